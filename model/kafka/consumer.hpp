// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer.hpp (layer: model)
// A consumer-group member running the usual poll loop: poll (fetch from each assigned
// partition's leader, below the high watermark, at most max.poll.records in all), process
// the records one by one, and commit the position to the group coordinator: with
// enable.auto.commit, inside poll once auto.commit.interval.ms has passed (committing what
// earlier polls returned, all processed by then), and with the scenario's `commit:` either
// synchronously before processing (at-most-once) or after it (at-least-once). With
// `assignment: subscribe` (the default) it is a member of its group (consumer_group.cpp: the
// classic protocol's JoinGroup/SyncGroup/Heartbeat, eager rebalances, session.timeout.ms and
// max.poll.interval.ms); with `assign` its partitions are static (round-robin over the group's
// instances). Each assignment it takes is an `assign` op.
// Without a committed offset the position comes from auto.offset.reset. Nothing is on disk:
// a restarted consumer resumes from the committed offsets. isolation.level=read_committed
// fetches below the last stable offset and drops aborted transactions' records; markers are
// never returned (KIP-98). With `transform:` (consumer_transform.cpp) it is a
// consume-transform-produce application: each poll's batch is processed inside a transaction
// that sends one output per input and commits the input offsets with it (KIP-447). A fetch
// answer carrying a quota's throttle time keeps it from fetching from that broker until the
// throttle ends (KIP-219's client side, consumer_throttle.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/pattern_dead_letter.hpp"
#include "model/kafka/txn_session.hpp"

namespace mqcheck::model::kafka {

struct Quiet;

class Consumer {
 public:
  friend struct Quiet;  // The explorer's quiet predicate reads the state (quiet.cpp).
  using Output = Out<Message, Entry>;
  explicit Consumer(ConsumerConfig const* config);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const&, Output& out) { on_start(out); }
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Group membership timers (subscribe), public for tests.
  static constexpr TimerId heartbeat_timer = 7;  // heartbeat.interval.ms (the heartbeat thread).
  static constexpr TimerId max_poll_timer = 8;   // max.poll.interval.ms since the last poll.
  static constexpr TimerId join_timer = 9;       // A JoinGroup or SyncGroup got no answer.
  static constexpr TimerId seek_timer = 10;      // The scenario's seek.at (consumer_seek.cpp).
  static constexpr TimerId seek_timeout_timer = 11;  // Its ListOffsets got no answer.
  static constexpr TimerId delay_timer = 12;  // `delay: {wait: sleep}`: the sleep ends.

  void hash_into(Hasher& h) const;
  bool operator==(Consumer const& o) const {
    return positions_ == o.positions_ && batch_ == o.batch_ && next_ == o.next_ &&
           phase_ == o.phase_ && leaders_ == o.leaders_ && last_ == o.last_ &&
           last_epochs_ == o.last_epochs_ && fetched_ == o.fetched_ &&
           fetched_aborted_ == o.fetched_aborted_ && fetches_ == o.fetches_ &&
           listing_ == o.listing_ && offsets_known_ == o.offsets_known_ &&
           auto_commit_due_ == o.auto_commit_due_ && sync_commit_ == o.sync_commit_ &&
           commits_ == o.commits_ && next_request_ == o.next_request_ && session_ == o.session_ &&
           txns_ == o.txns_ && assigned_ == o.assigned_ && member_ == o.member_ &&
           generation_ == o.generation_ && rejoin_ == o.rejoin_ &&
           revoke_committed_ == o.revoke_committed_ && group_request_ == o.group_request_ &&
           offsets_request_ == o.offsets_request_ && seek_due_ == o.seek_due_ &&
           seeking_ == o.seeking_ && dead_letter_ == o.dead_letter_ && attempts_ == o.attempts_ &&
           dead_lettering_ == o.dead_lettering_ && paused_until_ == o.paused_until_ &&
           throttled_until_ == o.throttled_until_;
  }

 private:
  enum class Phase : std::uint8_t {
    starting,
    polling,
    committing,
    processing,
    waiting,
    stopped,  // A transform whose producer was fenced (ProducerFencedException is fatal).
    joining,  // Subscribe: JoinGroup and SyncGroup of a rebalance, inside poll.
  };
  struct Polled {
    std::size_t slot = 0;  // Index into config_->partitions.
    Offset offset;
    MessageId id;
    std::int64_t timestamp = -1;  // The record's timestamp, ms (the delay pattern's clock).
    bool operator==(Polled const&) const = default;
  };
  static constexpr std::int64_t unknown = -1;  // Position not known yet.
  static constexpr std::int64_t stuck = -2;    // auto.offset.reset=none and nothing committed.
  static constexpr TimerId commit_timeout_timer = 4;  // commitSync's request.timeout.ms.

  void on_offsets(OffsetFetchResponse const& resp, Output& out);
  void reset(std::size_t slot, Output& out);
  void maybe_begin(Output& out);
  void start_poll(Output& out);
  void on_fetched(FetchResponse const& resp, Output& out);
  void finish_poll(Output& out);
  void poll_denied(Error error, Output& out);  // consumer_acl.cpp
  void after_poll(Output& out);
  void process_next(Output& out);
  void processed(Output& out);
  void commit(bool sync, Output& out);
  void committed(Output& out);
  std::size_t slot_of(std::uint32_t partition) const;
  void hold(std::vector<std::uint32_t> partitions);
  void fetch_offsets(Output& out);
  history::Record record(Polled const& p) const;
  /// Writes record(p) into `r`, a fresh Record (the ops' hot path: no Record is moved).
  void record_into(history::Record& r, Polled const& p) const;
  bool visible(std::size_t slot, LogRecord const& r, Offset at, std::vector<std::uint64_t>& aborted,
               std::size_t& next_aborted) const;
  // Seeks and offset resets through ListOffsets (consumer_seek.cpp).
  bool maybe_seek(Output& out);
  void on_seek_offsets(ListOffsetsResponse const& resp, Output& out);
  void finish_seek(Output& out, bool resume = true);
  void out_of_range(std::size_t slot, Output& out);
  void list_offset(std::size_t slot, std::int64_t timestamp,
                   std::map<std::uint64_t, std::size_t>& into, Output& out);
  // Consume-transform-produce (consumer_transform.cpp).
  void transform_begin(Output& out);
  void transform_output(Polled const& input, Output& out);
  void transform_end(Output& out);
  void transform_progress(Output& out);
  void rewind(Output& out);
  // Retry and dead-letter PATTERN (consumer_dead_letter.cpp), and retry topics.
  void process_record_into(history::Record& r, Polled const& p) const;
  std::string const& process_group() const;
  void dead_letter_start(Output& out);
  bool dead_letter_failed(Output& out);
  void dead_letter_progress(Output& out);
  // Delay through paused consumption, a PATTERN (consumer_delay.cpp).
  bool delay_paused(std::size_t slot, Output& out);
  bool delay_holds_back(Output& out);
  void note_pause(Polled const& p, SimTimeUs due, Output& out) const;
  bool delay_sleeps(Output& out);
  // A broker's fetch throttle, KIP-219's client side (consumer_throttle.cpp).
  void on_fetch_throttle(NodeId broker, std::int64_t throttle_ms, Output& out);
  bool throttled(std::uint32_t partition, Output& out) const;
  DurationUs throttle_wait(Output& out) const;
  // Group membership (consumer_group.cpp).
  bool on_group_message(Message const& message, Output& out);
  bool on_group_timer(TimerId timer, Output& out);
  void rejoin(Output& out);
  void join(Output& out);
  void on_joined(JoinGroupResponse const& resp, Output& out);
  void on_synced(SyncGroupResponse const& resp, Output& out);
  void on_commit_error(Error error);
  std::vector<MemberAssignment> assign(std::vector<std::uint64_t> const& members) const;

  ConsumerConfig const* config_;
  Phase phase_ = Phase::starting;
  std::vector<Offset> positions_;                // By slot.
  std::vector<Polled> last_;                     // By slot: the last record returned (id 0: none).
  std::vector<std::int32_t> last_epochs_;        // By slot: that record's leader epoch (KIP-320).
  std::vector<std::int32_t> leaders_;            // By global partition.
  std::vector<std::vector<LogRecord>> fetched_;  // By slot, during a poll.
  std::vector<std::vector<AbortedTxn>> fetched_aborted_;  // By slot: read_committed's index.
  std::map<std::uint64_t, std::size_t> fetches_;          // Open fetches -> slot.
  std::map<std::uint64_t, std::size_t> listing_;          // Open list-offsets -> slot.
  bool offsets_known_ = false;                            // The coordinator answered OffsetFetch.
  std::vector<Polled> batch_;                             // What the last poll returned.
  std::size_t next_ = 0;                                  // Next record of batch_ to process.
  bool auto_commit_due_ = false;
  std::uint64_t sync_commit_ = 0;  // The commitSync being waited for.
  std::map<std::uint64_t, std::vector<history::Record>> commits_;  // Open commits -> value.
  std::uint64_t next_request_ = 1;
  std::optional<TxnSession> session_;    // Transform only.
  std::int64_t txns_ = 0;                // Transactions begun by this incarnation.
  std::vector<std::uint32_t> assigned_;  // By slot: the partitions held (global indices).
  std::uint64_t member_ = 0;             // Subscribe: the member id; 0 when not a member.
  std::int32_t generation_ = -1;         // Subscribe: the generation joined.
  bool rejoin_ = false;                  // A rebalance is on: rejoin at the next poll.
  bool revoke_committed_ = false;        // The auto-commit before rejoining was sent.
  std::uint64_t group_request_ = 0;      // The JoinGroup or SyncGroup waited for.
  std::uint64_t offsets_request_ = 0;    // The OffsetFetch waited for.
  bool seek_due_ = false;                // The scenario's seek is due at the next poll.
  std::map<std::uint64_t, std::size_t> seeking_;  // The seek's open ListOffsets -> slot.
  std::optional<DeadLetterPublisher> dead_letter_;  // `dead_letter:` only.
  std::int64_t attempts_ = 0;      // Failed attempts at batch_[next_] (dead_letter:).
  bool dead_lettering_ = false;    // Waiting for batch_[next_]'s dead-letter publish.
  std::vector<SimTimeUs> paused_until_;  // By slot: paused (delay:) until then; 0: not paused.
  std::vector<SimTimeUs> throttled_until_;  // By broker: no fetch before then (KIP-219).
};

}  // namespace mqcheck::model::kafka
