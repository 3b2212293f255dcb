// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_seek.cpp (layer: model)
// The consumer's seeks (issue 4, replay): the scenario's `seek:` makes the application call,
// between two polls, KafkaConsumer.seek(partition, offset), seek to what offsetsForTimes
// returns for a timestamp, seekToBeginning or seekToEnd on every partition it holds; and an
// OFFSET_OUT_OF_RANGE fetch (the position fell below the log start: retention deleted it)
// applies auto.offset.reset. Positions other than an explicit offset come from ListOffsets.
// Each completed seek is an `assign` op (docs/history-format.md: "an explicit assign or
// seek"), so the checker does not compare the polls before and after it for order.
#include <string>

#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

void Consumer::list_offset(std::size_t slot, std::int64_t timestamp,
                           std::map<std::uint64_t, std::size_t>& into, Output& out) {
  std::uint32_t const p = assigned_[slot];
  if (leaders_[p] == no_leader) return;
  std::uint64_t const req = next_request_++;
  into[req] = slot;
  out.send(config_->cluster->broker_node(leaders_[p]), ListOffsetsRequest{req, p, timestamp});
}

// The fetch position is out of range (Fetcher.handleOffsetOutOfRange): with a reset policy
// the consumer resets it (earliest: the log start as ListOffsets(EARLIEST) gives it, so the
// deleted records are never returned; latest: the end); with none it raises
// OffsetOutOfRangeException and the partition is stuck
// (https://kafka.apache.org/documentation/#consumerconfigs_auto.offset.reset).
void Consumer::out_of_range(std::size_t slot, Output& out) {
  switch (config_->reset) {
    case OffsetReset::earliest:
      positions_[slot] = Offset{unknown};
      last_epochs_[slot] = -1;
      return list_offset(slot, earliest_timestamp, listing_, out);
    case OffsetReset::latest:
      last_epochs_[slot] = -1;
      return reset(slot, out);
    case OffsetReset::none:
      positions_[slot] = Offset{stuck};
      return;
  }
}

// Before a poll: positions a reset left unknown (its ListOffsets was lost, or the leader was
// unknown) are asked again; then the scenario's seek, if due. Returns true when the poll
// waits for the seek's ListOffsets answers.
bool Consumer::maybe_seek(Output& out) {
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    if (positions_[s].value != unknown || config_->reset == OffsetReset::none) continue;
    bool asked = false;
    for (auto const& [req, slot] : listing_) asked = asked || slot == s;
    if (asked) continue;
    if (config_->reset == OffsetReset::earliest) list_offset(s, earliest_timestamp, listing_, out);
    if (config_->reset == OffsetReset::latest) reset(s, out);
  }
  if (!seek_due_ || assigned_.empty()) return false;
  seek_due_ = false;
  if (config_->seek_to == SeekTo::offset) {  // KafkaConsumer.seek: no round trip.
    for (std::size_t s = 0; s < positions_.size(); ++s) {
      positions_[s] = Offset{config_->seek_value};
      last_epochs_[s] = -1;  // seek(offset) carries no leader epoch to validate (KIP-320).
    }
    finish_seek(out, false);
    return false;
  }
  std::int64_t const timestamp = config_->seek_to == SeekTo::beginning ? earliest_timestamp
                                 : config_->seek_to == SeekTo::end     ? latest_timestamp
                                                                       : config_->seek_value;
  for (std::size_t s = 0; s < assigned_.size(); ++s) list_offset(s, timestamp, seeking_, out);
  if (seeking_.empty()) return false;  // No leader known: the seek is skipped.
  phase_ = Phase::waiting;
  out.set_timer(seek_timeout_timer, config_->request_timeout);
  return true;
}

// offsetsForTimes answers null for a partition with no record at or after the timestamp;
// the application then seeks to the end, the usual idiom (a null would otherwise be a
// NullPointerException).
void Consumer::on_seek_offsets(ListOffsetsResponse const& resp, Output& out) {
  auto const it = seeking_.find(resp.request);
  std::size_t const slot = it->second;
  seeking_.erase(it);
  if (resp.error == Error::none && resp.offset.value < 0) {
    list_offset(slot, latest_timestamp, seeking_, out);
  } else if (resp.error == Error::none) {
    positions_[slot] = resp.offset;
    last_epochs_[slot] = -1;
  }
  if (seeking_.empty()) finish_seek(out);
}

// Records the seek as an `assign` op: the partitions held, and in `detail` where each now
// reads from. Then, with `resume`, the poll it deferred.
void Consumer::finish_seek(Output& out, bool resume) {
  out.cancel_timer(seek_timeout_timer);
  static constexpr char const* kinds[] = {"", "offset ", "timestamp ", "beginning", "end"};
  std::string detail = std::string("seek to ") + kinds[static_cast<int>(config_->seek_to)];
  if (config_->seek_to == SeekTo::offset || config_->seek_to == SeekTo::timestamp) {
    detail += std::to_string(config_->seek_value);
    if (config_->seek_to == SeekTo::timestamp) detail += " ms (offsetsForTimes)";
  }
  std::vector<history::Record> held;
  for (std::size_t s = 0; s < assigned_.size(); ++s) {
    PartitionInfo const& info = config_->cluster->partitions[assigned_[s]];
    held.push_back(history::Record::of(MessageId{0}, info.topic, {}, info.number));
    detail += (s == 0 ? ": " : ", ") + info.name() + " at " + std::to_string(positions_[s].value);
  }
  out.complete(OpType::ok, OpKind::assign, std::move(held), config_->group, detail);
  if (resume && phase_ == Phase::waiting) start_poll(out);
}

}  // namespace mqcheck::model::kafka
