// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/txn_verify.hpp (layer: model)
// KIP-890 part 1 ("Transactions Server-Side Defense", verification), the partition leader's
// side: from Kafka 3.6.0 a leader holds a transactional produce that would open a
// transaction in the partition and asks the transaction coordinator whether the partition is
// in the producer's ongoing transaction (AddPartitionsToTxn v4 with VerifyOnly, KAFKA-14402;
// the coordinator answers INVALID_TXN_STATE when it is not). Only a verified record may open
// a transaction; an unverified one is refused with that error (apache/kafka#14088), so a
// produce delayed past its transaction's ABORT marker can no longer start a transaction no
// coordinator knows, the "hanging transaction" that stalls read_committed consumers at the
// last stable offset. A marker for the producer written while it waits voids the verification
// (the verification guard of KAFKA-14884). Before 3.6 nothing is held: the late record is
// appended and the partition's LSO stays below it until an operator aborts it.
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-890:+Transactions+Server-Side+Defense
// Simplification: the leader learns the transactional id from the producer id (the model's
// coordinator gives each transactional id a fixed one) where Kafka's produce request carries
// it. The broker key `transaction.partition.verification.enable` (3.6+, default true;
// ClusterConfig::txn_verification) turns verification off: the late produce is appended again.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/hash.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/partition_log.hpp"

namespace mqcheck::model::kafka {

/// True from the release that brought verification, on by default (3.6.0; docs/upgrade.html,
/// "Notable changes in 3.6.0": "Note that the default for 3.6 is true"): the default of
/// ClusterConfig::txn_verification (config.cpp), which the leader reads.
inline bool txn_verification(Version version) { return version.at_least(3, 6); }

/// A produce request a leader holds while the coordinator verifies its partition.
struct HeldProduce {
  std::uint64_t verify = 0;  // The VerifyTxnRequest's id.
  NodeId from;
  ProduceRequest request;
  std::int64_t throttle_ms = 0;
  bool voided = false;  // A marker for the producer landed meanwhile (KAFKA-14884).
  bool operator==(HeldProduce const&) const = default;
};

class TxnVerifier {
 public:
  using Output = Out<Message, Entry>;

  /// Returns true when `first`, a record about to be appended to partition `p`, must wait for
  /// verification: transactional, opening a transaction here, not verified yet. A record that
  /// was verified uses up its verification here.
  bool must_verify(ClusterConfig const& cluster, std::uint32_t p, PartitionLog const& log,
                   LogRecord const& first);
  /// Holds `req` for partition `p` and sends its VerifyTxnRequest to the coordinator.
  void hold(ClusterConfig const& cluster, NodeId from, ProduceRequest const& req, std::uint32_t p,
            std::int64_t throttle_ms, Output& out);
  /// The coordinator's answer: returns the held request when it may be appended now; otherwise
  /// answers its producer with the error itself and returns nothing.
  std::optional<HeldProduce> answer(VerifyTxnResponse const& resp, Output& out);
  /// A COMMIT or ABORT marker of `producer` was written to partition `p`: what was verified
  /// for it there no longer holds.
  void on_marker(std::uint32_t p, std::uint64_t producer);

  void hash_into(Hasher& h) const;
  bool operator==(TxnVerifier const&) const = default;

 private:
  struct Verified {  // A verification passed and not yet used by an append.
    std::uint32_t partition = 0;
    std::uint64_t producer = 0;
    std::int32_t producer_epoch = 0;
    bool operator==(Verified const&) const = default;
  };
  std::vector<HeldProduce> held_;
  std::vector<Verified> verified_;
  std::uint64_t next_verify_ = 1;
};

}  // namespace mqcheck::model::kafka
