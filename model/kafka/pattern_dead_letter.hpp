// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/pattern_dead_letter.hpp (layer: model)
// PATTERN, not a Kafka feature: the producer a consumer application embeds to republish the
// records it gave up on to a dead-letter topic (Spring Kafka's DeadLetterPublishingRecoverer:
// "publishes a failed record to a dead-letter topic", by default "the same partition as the
// failed record",
// https://docs.spring.io/spring-kafka/api/org/springframework/kafka/listener/DeadLetterPublishingRecoverer.html).
// It is a plain KafkaProducer: acks, retries until delivery.timeout.ms, and with
// enable.idempotence a producer id and per-partition sequence numbers so that a retried
// request the broker already wrote is acknowledged, not written twice (KIP-98). Each publish
// is a `send` op of the original message id to the dead-letter topic, which is what the
// checker's dead-letter check looks for. Simplifications: one request in flight per partition;
// acks=0 is refused by the world builder (the pattern needs the acknowledgement).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/hash.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

class DeadLetterPublisher {
 public:
  using Output = Out<Message, Entry>;

  /// `timer_base`: the owner's timer ids at or above it belong to the publisher.
  DeadLetterPublisher(DeadLetterConfig const* config, ClusterConfig const* cluster,
                      TimerId timer_base);

  /// A new incarnation: a fresh producer id (KIP-98: idempotence holds per producer session).
  void start(std::uint64_t incarnation);
  /// producer.send() of message `id` to the dead-letter partition numbered `number` (mod the
  /// topic's partition count): the send invoke now, its completion when answered.
  void publish(MessageId id, std::int32_t number, Output& out);
  /// Handles a ProduceResponse of the publisher's; returns false for any other message.
  bool on_message(Message const& message, Output& out);
  /// Handles a publisher timer; returns false when `timer` is not one.
  bool on_timer(TimerId timer, Output& out);
  void set_leaders(std::vector<std::int32_t> const& leaders, Output& out);

  /// Whether message `id`'s publish is still open.
  bool pending(MessageId id) const;
  /// Returns, once, how the publish of `id` ended (true: acknowledged); nothing while open.
  std::optional<bool> take_outcome(MessageId id);

  void hash_into(Hasher& h) const;
  bool operator==(DeadLetterPublisher const&) const = default;

 private:
  struct Pending {
    MessageId id;
    std::uint32_t partition = 0;  // Global partition index.
    std::int32_t sequence = -1;   // -1: not idempotent.
    std::uint64_t request = 0;    // The open produce request, 0 when none.
    SimTimeUs first{};            // When send() was called: delivery.timeout.ms runs from it.
    bool backing_off = false;
    bool maybe_written = false;  // An attempt went unanswered: it may be in the log.
    bool operator==(Pending const&) const = default;
  };
  void pump(Output& out);
  void send_request(Pending& p, Output& out);
  void retry(std::uint64_t key, Pending& p, Output& out);
  void finish(std::uint64_t key, history::OpType type, Offset offset, std::string detail,
              Output& out);
  history::Record record(Pending const& p, Offset offset) const;

  DeadLetterConfig const* config_;
  ClusterConfig const* cluster_;
  TimerId timer_base_;
  std::uint64_t producer_ = 0;  // 0: not idempotent.
  std::vector<std::int32_t> leaders_;
  std::map<std::uint32_t, std::int32_t> sequences_;  // Next sequence by partition.
  std::map<std::uint64_t, Pending> pending_;         // By publish number, oldest first.
  std::map<std::uint64_t, bool> outcomes_;           // Message id -> acknowledged (sync only).
  std::uint64_t next_key_ = 1;
  std::uint64_t next_request_ = 1;
  bool metadata_wanted_ = false;  // A metadata request for a missing leader is due or out.
};

}  // namespace mqcheck::model::kafka
