// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/group_coordinator.hpp (layer: model)
// The group coordinator of Kafka's classic consumer group protocol, on the controller node:
// group membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), generations, session
// timers, eager rebalances, and the validation of offset commits against the member and its
// generation. The leader member computes the assignment (the client-side assignor) and sends
// it in its SyncGroup; the coordinator hands each member its share. Group states after
// Kafka's GroupMetadata: Empty, PreparingRebalance, CompletingRebalance, Stable. The committed
// offsets are the Controller's map (shared with the transaction coordinator, which commits
// offsets with a transaction); this class stores into it. Membership is not persisted: after
// the controller restarts, members learn UNKNOWN_MEMBER_ID and rejoin (simplification).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/common/out.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

/// A group's state (GroupState in Kafka's classic coordinator).
enum class GroupState : std::uint8_t { empty, preparing_rebalance, completing_rebalance, stable };

struct Quiet;

class GroupCoordinator {
 public:
  friend struct Quiet;  // The explorer's quiet predicate reads the state (quiet.cpp).
  using Output = Out<Message, Entry>;
  /// Committed offsets by (group index, partition): __consumer_offsets.
  using Offsets = std::map<std::pair<std::uint32_t, std::uint32_t>, Offset>;
  /// The controller's file of committed offsets.
  static constexpr FileId offsets_file = 1;
  /// Timers at or above this belong to the group coordinator.
  static constexpr TimerId timer_base = TimerId{1} << 48;

  /// Starts incarnation `boot` of the coordinator: no members; member ids carry `boot` so an
  /// id is never given twice, even across restarts.
  void start(std::uint64_t boot);
  /// Handles `message` when it is a group request (membership, OffsetCommit, OffsetFetch):
  /// answers `from`, stores accepted commits into `committed` (appended and fsynced).
  /// Returns false for any other message.
  bool on_message(NodeId from, Message const& message, Offsets& committed, Output& out);
  /// A session or rebalance timer (timer >= timer_base).
  void on_timer(TimerId timer, Output& out);

  /// Returns group `g`'s state, generation and members, ascending (for tests).
  GroupState state(std::uint32_t g) const;
  std::int32_t generation(std::uint32_t g) const;
  std::vector<std::uint64_t> members(std::uint32_t g) const;
  /// The session timer of member `m` (for tests).
  static TimerId session_timer_for_test(std::uint64_t m) { return timer_base + m; }

  void hash_into(Hasher& h) const;
  bool operator==(GroupCoordinator const&) const = default;

 private:
  struct Member {
    NodeId node;
    DurationUs session_timeout{};
    DurationUs rebalance_timeout{};
    bool awaiting_join = false;  // Its JoinGroup waits for the join phase to complete.
    bool awaiting_sync = false;  // Its SyncGroup waits for the leader's.
    std::uint64_t join_request = 0;
    std::uint64_t sync_request = 0;
    std::vector<std::uint32_t> assignment;
    std::string instance;  // group.instance.id (KIP-345); empty for a dynamic member.
    bool operator==(Member const&) const = default;
  };
  struct Group {
    GroupState state = GroupState::empty;
    std::int32_t generation = 0;
    std::uint64_t leader = 0;                 // 0: none.
    std::map<std::uint64_t, Member> members;  // By member id.
    std::map<std::string, std::uint64_t> statics;  // group.instance.id -> its member id.
    std::map<std::uint64_t, std::string> replaced;  // Member ids a restarted static member took over.
    bool operator==(Group const&) const = default;
  };
  static constexpr TimerId rebalance_timers = timer_base + (TimerId{1} << 44);  // + group.

  void on_join(NodeId from, JoinGroupRequest const& req, Output& out);
  // Static membership (group_static.cpp, KIP-345).
  bool static_join(NodeId from, JoinGroupRequest const& req, Output& out);
  void replace_static(Group& g, std::uint64_t old_id, std::uint64_t new_id) const;
  void forget(Group& g, std::uint64_t member, Output& out) const;
  void on_sync(NodeId from, SyncGroupRequest const& req, Output& out);
  void on_heartbeat(NodeId from, HeartbeatRequest const& req, Output& out);
  void on_leave(LeaveGroupRequest const& req, Output& out);
  void on_commit(NodeId from, OffsetCommitRequest const& req, Offsets& committed, Output& out);
  Error check_member(Group const& g, std::uint64_t member, std::int32_t generation) const;
  void prepare_rebalance(std::uint32_t g, Output& out);
  void maybe_complete_join(std::uint32_t g, Output& out);
  void complete_join(std::uint32_t g, Output& out);
  void remove_member(std::uint32_t g, std::uint64_t member, Output& out);
  void on_session_expired(std::uint64_t member, Output& out);
  void renew(Member const& m, std::uint64_t id, Output& out) const;

  std::uint64_t next_member_ = 1;
  std::map<std::uint32_t, Group> groups_;  // By group index.
};

}  // namespace mqcheck::model::kafka
