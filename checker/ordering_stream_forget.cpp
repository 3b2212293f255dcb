// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_forget.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp), what it lets go and when: a
// message is forgotten `settle_delay` ops after its last touch once every group that must
// process it has (look_up_settled), unless the delivery pass still holds it; after a doubt
// everything goes (the second pass decides).
#include "checker/ordering_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_detail {

bool StreamState::look_up_settled(Entry const& e) {
  if (readers_.size() <= e.topic) readers_.resize(e.topic + 1, unknown_readers);
  std::uint64_t& readers = readers_[e.topic];
  if (readers == unknown_readers) {
    auto const found = subscribed_.find(e.topic);
    // A topic nobody subscribed to: nobody is known to owe it a processing.
    readers = found == subscribed_.end() ? 0 : found->second;
  }
  // A group whose filter rejects the message owes it no processing.
  std::uint64_t owed = readers;
  for (std::size_t i = 0; i < filter_group_bits_.size(); ++i)
    if ((e.rejected_by & (1u << i)) != 0) owed &= ~std::uint64_t{filter_group_bits_[i]};
  return (e.groups & owed) == owed;
}

void StreamState::forget_due(std::uint64_t now) {
  while (!due_.empty() && due_.front().touched + settle_delay_ <= now) {
    Due const due = due_.front();
    due_.pop_front();
    // The entry after next was queued long ago: its lines are fetched now, two pops ahead of
    // their use, rather than at every op. (The next one was fetched at the previous pop. Walked
    // by iterator: indexing a deque costs a division.)
    auto next = due_.begin();
    // The queue's own entries were pushed settle_delay ops ago and are cold by now too: the
    // line some ten pops ahead is asked for (past a deque block's end, a harmless prefetch).
    if (next != due_.end()) __builtin_prefetch(reinterpret_cast<char const*>(&*next) + 256);
    if (next != due_.end() && ++next != due_.end()) {
      table_.prefetch_side(next->slot);
      table_.prefetch(next->slot);      // Its id, and whether delivery still holds it.
      table_.prefetch_index(next->id);  // Its erase starts there.
    }
    // A slot still holding the message, live (not let go and reused meanwhile), last touched
    // settle_delay ops ago: else touched since, it is due later and goes back in the queue
    // (behind entries queued after it, so it may be forgotten up to settle_delay ops late).
    if (table_.id_at(due.slot) != due.id) continue;
    Entry& e = entry(due.slot);
    if (!e.live) continue;
    if (e.last_touch + settle_delay_ > now) {
      due_.push_back(Due{e.last_touch, due.id, due.slot});
      continue;
    }
    MessageId const id{due.id};
    note_exercise(e);
    forgotten_.insert(id);
    forget(due.slot);
  }
}

// Lets go of the entry at `slot`: erased, unless the delivery pass still holds its message.
void StreamState::forget(std::uint32_t slot) {
  --held_;
  if (!copies_.empty()) copies_.erase(table_.id_at(slot));
  if (table_.at(slot).held()) {
    entry(slot) = Entry{};
  } else {
    table_.erase(table_.id_at(slot));
  }
}

// After a doubt nothing more is judged here (the second pass decides): every entry goes, so
// that a shared table's entries are the delivery pass's to erase.
void StreamState::let_go() {
  std::vector<std::uint32_t> live;
  table_.for_each_slot([&](std::uint32_t slot) {
    if (table_.side(slot).live) live.push_back(slot);
  });
  for (std::uint32_t const slot : live) forget(slot);
  due_.clear();
  copies_.clear();
}

}  // namespace mqcheck::checker::ordering_detail
