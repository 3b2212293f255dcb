// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream_state.hpp (layer: checker; private to checker/delivery_stream*)
// The state of one pass of the streaming delivery checker: open messages in compact form
// (names interned to 32-bit ids, one small vector of send attempts and one of processings per
// message), open invokes per process for pairing, and the settled summary: interval sets of ids
// per send outcome and per consumer unit (a group, or one instance of a broadcast group).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/delivery_detail.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/id_set.hpp"
#include "checker/send_outcomes.hpp"
#include "checker/transactions.hpp"

namespace mqcheck::checker::stream_detail {

inline constexpr std::uint64_t no_op = ~std::uint64_t{0};

/// Interned strings; id 0 is "".
class Names {
 public:
  std::uint32_t intern(std::string_view text);
  std::string const& name(std::uint32_t id) const { return names_[id]; }
  std::size_t memory_bytes() const;

 private:
  void remember(std::uint32_t id);
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;  // lookup only
  std::vector<std::string> names_{std::string()};
  Index index_{{"", 0}};
  std::array<std::uint32_t, 4> recent_{};  // The names interned last (0 = "" is harmless).
  std::size_t next_recent_ = 0;
};

/// One send attempt: an invoke and its completion, as SendAttempt, names interned.
struct Attempt {
  std::uint64_t invoke = no_op;
  std::uint64_t completion = no_op;
  std::uint32_t process = 0;
  std::uint32_t txn = 0;
  history::OpType outcome = history::OpType::info;
};

/// One record of an ok or info process op (or a never-completed process invoke) naming it.
struct Proc {
  std::uint64_t op = 0;
  std::uint32_t group = 0;
  std::uint32_t process = 0;
  std::uint32_t unit = 0;
  std::uint32_t topic = 0;
  std::uint32_t txn = 0;
  history::OpType type = history::OpType::ok;
};

struct OpenMessage {
  std::uint32_t topic = 0;  // Of its first send; 0 ("") before one.
  std::uint32_t tag = 0;    // The first non-empty tag a send gave it.
  std::vector<Attempt> sends;
  std::vector<Proc> procs;
};

/// An invoke of a send or process waiting for its completion.
struct OpenInvoke {
  std::uint64_t index = 0;
  history::OpKind f = history::OpKind::send;
  std::uint32_t group = 0;
  std::uint32_t txn = 0;
  std::vector<MessageId> ids;                                // Sorted: pairing ignores order.
  std::vector<std::pair<MessageId, std::uint32_t>> records;  // In order, with their topics.
};

enum class Category : std::uint8_t { ok, info, fail };

/// One pass over the ops. The first pass (no focus) settles what it can; a second pass is
/// given the ids to rebuild (`focus`) and holds exactly those, never settling them.
class Pass {
 public:
  Pass(history::Header const& header, StreamOptions options, std::set<MessageId> const* focus);
  void observe(history::Op const& op);
  /// Files the invokes never completed (as info processings); call once, after the last op.
  void close();
  /// Adds the open messages to `table` with `txns` applied, and their processes to `processes`.
  void export_open(TxnTable const& txns, MessageTable& table,
                   std::map<std::uint64_t, std::string>& processes) const;

  std::set<MessageId> const& replay() const { return replay_; }
  delivery_detail::Settled const& settled() const { return settled_; }
  TxnTableBuilder const& txns() const { return txns_; }
  DeadLetterTracker const& dead() const { return dead_; }
  std::size_t open_count() const { return open_.size(); }
  std::uint64_t settled_count() const { return settled_count_; }
  std::size_t memory_bytes() const;

 private:
  void pair_and_file(history::Op const& op);
  void on_send_invoke(history::Op const& op, history::Record const& record);
  void on_send_completion(history::Op const& op, history::Record const& record,
                          std::uint64_t invoke);
  void on_process(history::Op const& op, history::Record const& record, std::uint64_t op_index,
                  std::uint32_t group, std::uint32_t process, history::OpType type);
  std::uint64_t take_open_invoke(history::Op const& op, std::uint32_t process);
  OpenMessage* open_for(MessageId id);  // Null when the id is settled or not wanted.
  bool wanted(MessageId id) const;
  std::optional<Category> settled_as(MessageId id) const;
  void on_settled(MessageId id, history::Op const& op, std::uint32_t unit);
  void mark_replay(MessageId id);
  std::uint32_t unit_of(std::uint32_t group, std::uint32_t process);
  bool settleable(OpenMessage const& m) const;
  void consider(MessageId id, OpenMessage const& m, std::uint64_t now);
  void settle_due(std::uint64_t now);
  void settle(MessageId id, OpenMessage const& m);

  history::Header const& header_;
  StreamOptions options_;
  std::set<MessageId> const* focus_;
  Names names_;
  Names units_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> readers_;  // Subscribed topic -> groups.
  std::map<std::uint32_t, std::vector<std::string>> filters_;    // Group -> its tag filter.
  std::set<std::uint32_t> broadcast_;                            // Broadcast groups.
  static constexpr std::uint32_t no_unit = ~std::uint32_t{0};
  std::vector<std::uint32_t> group_units_;                       // Group -> unit, when plain.
  std::unordered_map<std::uint64_t, OpenMessage> open_;  // lookup only (export sorts ids)
  std::vector<std::vector<OpenInvoke>> invokes_;                 // By process name id.
  std::deque<std::pair<std::uint64_t, MessageId>> due_;          // (eligible at, id).
  IdSet settled_ok_, settled_info_, settled_fail_;
  std::vector<IdSet> done_;  // By unit id: settled ids the unit processed.
  std::set<MessageId> replay_;
  delivery_detail::Settled settled_;
  std::uint64_t settled_count_ = 0;
  TxnTableBuilder txns_;
  DeadLetterTracker dead_;
  std::vector<MessageId> scratch_;
};

}  // namespace mqcheck::checker::stream_detail
