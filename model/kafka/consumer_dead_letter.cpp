// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_dead_letter.cpp (layer: model)
// PATTERN, not a Kafka feature: retry and dead-letter topics. Kafka has no dead-letter queue;
// applications build one. This is the common form, Spring Kafka's DefaultErrorHandler with a
// DeadLetterPublishingRecoverer: when the listener throws, the record is redelivered and
// tried again in place ("blocking" retries; the default FixedBackOff gives 10 attempts), and
// once the attempts are exhausted the recoverer publishes it to the dead-letter topic (by
// default "<topic>.DLT", the same partition) and the container commits past it
// (https://docs.spring.io/spring-kafka/reference/kafka/annotation-error-handling.html,
// https://docs.spring.io/spring-kafka/api/org/springframework/kafka/listener/DeadLetterPublishingRecoverer.html;
// Uber, "Building Reliable Reprocessing and Dead Letter Queues with Apache Kafka", 2018).
// Each failed attempt is a `process` that fails plus an ok `nack` (the history's word for a
// consumer rejecting a message), so the checker counts the attempts against the group's
// `dead-letter.after`. The offset commit is the consumer's usual one (after the batch, or
// auto-commit); `publish: sync` makes the poll loop wait for the publish's acknowledgement
// (and publish again if it failed) before the next record, as the recoverer's send().get()
// does; `publish: async` only calls send() and goes on, so the offset can be committed while
// the dead letter is still in the producer's buffer, and a crash then loses it.
// Retry topics (Spring's non-blocking @RetryableTopic,
// https://docs.spring.io/spring-kafka/reference/retrytopic/how-the-pattern-works.html): "If
// message processing fails, the message is forwarded to a retry topic with a back off
// timestamp. The retry topic consumer then checks the timestamp and if it's not due it pauses
// the consumption for that topic's partition. When it is due the partition consumption is
// resumed, and the message is consumed again. If the message processing fails again the
// message will be forwarded to the next retry topic ... until a successful processing occurs,
// or the attempts are exhausted, and the message is sent to the Dead Letter Topic". Each
// stage is one consumer of this kind with one attempt (`after` 1: the retry topics' error
// handler does no blocking retries unless configured to) that forwards to the next stage's
// topic; the world builder (sim/world_kafka_patterns.cpp) makes the stages, each its own
// group (Spring suffixes the group id as it suffixes the topic:
// SuffixingRetryTopicNamesProvider.getGroupId) pausing until the record is due
// (consumer_delay.cpp). A stage's process and nack ops name the application's main group and
// main topic: the attempts are one application's, which the checker judges as such ("By using
// this strategy you lose Kafka's ordering guarantees for that topic": a retried record is
// processed after records behind it).
#include <string>

#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
constexpr TimerId dead_letter_timers = TimerId{1} << 58;  // The publisher's timers.
}

// A new incarnation (start or restart): a fresh producer, no attempt counted.
void Consumer::dead_letter_start(Output& out) {
  dead_letter_.emplace(&config_->dead_letter, config_->cluster, dead_letter_timers);
  dead_letter_->start(static_cast<std::uint64_t>(out.now().us));
  attempts_ = 0;
  dead_lettering_ = false;
}

// The record a process or nack op names: as fetched, or in a retry-topic stage the message in
// the application's main topic, whose place the checker knows from its send and first poll.
void Consumer::process_record_into(history::Record& r, Polled const& p) const {
  if (config_->dead_letter.app_topic.empty()) return record_into(r, p);
  r.id = p.id;
  r.topic = config_->dead_letter.app_topic;
}

std::string const& Consumer::process_group() const {
  std::string const& app = config_->dead_letter.app_group;
  return app.empty() ? config_->group : app;
}

// Called when batch_[next_]'s processing time is over: a failing record's attempt failed.
// Returns false for a record that processes normally.
bool Consumer::dead_letter_failed(Output& out) {
  DeadLetterConfig const& dl = config_->dead_letter;
  if (!dead_letter_) return false;
  Polled const& p = batch_[next_];
  std::int64_t const attempt = dl.first_attempt + attempts_;
  if (!dl.failures.fails(p.id.value, attempt)) {
    attempts_ = 0;  // It succeeds: the next record starts from its first attempt.
    return false;
  }
  history::Record r;
  process_record_into(r, p);
  ++attempts_;
  std::int64_t const of = dl.chain_attempts > 0 ? dl.chain_attempts : dl.after;
  std::string const text = "attempt " + std::to_string(attempt) + " of " + std::to_string(of);
  std::string const& group = process_group();
  out.complete(OpType::fail, OpKind::process, {r}, group, "the listener threw (" + text + ")");
  out.invoke(OpKind::nack, {r}, group);
  out.complete(OpType::ok, OpKind::nack, {r}, group, text + " failed");
  if (attempts_ < dl.after) {
    process_next(out);  // Redelivered: the same record again (next_ unchanged).
    return true;
  }
  attempts_ = 0;
  dead_letter_->publish(p.id, config_->cluster->partitions[assigned_[p.slot]].number, out);
  if (dl.wait_for_ack) {
    dead_lettering_ = true;  // send().get(): the loop waits for the acknowledgement.
    return true;
  }
  ++next_;  // send() only: on to the next record, the dead letter still unacknowledged.
  process_next(out);
  return true;
}

// After a publisher message or timer: a synchronous publish that ended lets the loop go on
// (acknowledged) or publishes again (failed: the recoverer's send threw).
void Consumer::dead_letter_progress(Output& out) {
  if (!dead_lettering_ || next_ >= batch_.size()) return;
  Polled const& p = batch_[next_];
  std::optional<bool> const acknowledged = dead_letter_->take_outcome(p.id);
  if (!acknowledged) return;
  if (!*acknowledged) {
    dead_letter_->publish(p.id, config_->cluster->partitions[assigned_[p.slot]].number, out);
    return;
  }
  dead_lettering_ = false;
  ++next_;
  process_next(out);
}

}  // namespace mqcheck::model::kafka
