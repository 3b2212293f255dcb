// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_delay.cpp (layer: model)
// PATTERN, not a Kafka feature: delay through paused consumption (pattern_delay.hpp). A record
// is due at its timestamp plus the delay; the consumer handles records in order and, for the
// first one of a partition not yet due, does one of two things (`delay.wait`):
// - `pause`, the pattern that works: KafkaConsumer.pause(partition) ("Future calls to
//   poll(Duration) will not return any records from these partitions until they have been
//   resumed ... it does not cause a group rebalance"), seek(partition, record.offset()) so the
//   record is fetched again, the rest of the batch goes on, poll() keeps being called (so
//   max.poll.interval.ms never expires), and resume(partition) once the record is due
//   (https://kafka.apache.org/37/javadoc/org/apache/kafka/clients/consumer/KafkaConsumer.html,
//   "Consumption Flow Control"). Spring Kafka ships it: ContainerPartitionPausingBackOffManager
//   "backs off consumption for a given topic if the timestamp provided is not due" by pausing
//   the partition and seeking back (https://docs.spring.io/spring-kafka/api/org/springframework/
//   kafka/listener/ContainerPartitionPausingBackOffManager.html, 2.9); Baeldung, "Consumer
//   Processing of Kafka Messages With Delay":
//   https://www.baeldung.com/kafka-consumer-processing-messages-delay
//   The pause state is the client's and is lost when a rebalance takes the partition away.
// - `sleep`, the naive one: Thread.sleep in the poll loop until the record is due. poll() is
//   not called meanwhile; past max.poll.interval.ms the consumer leaves its group, its
//   partitions move to another member that starts from the last committed offset, and the
//   sleeper then processes the batch anyway and fails its commit: records are processed twice
//   (https://kafka.apache.org/documentation/#consumerconfigs_max.poll.interval.ms; the problem
//   as asked on https://stackoverflow.com/questions/31775003: "your zk session will expire (and
//   if you have many consumers in group message may be rebalanced away ...)").
// Either way a record is fetched (polled) before it is due, and only its processing waits: the
// world marks the group `delay: consumer`, so the checker judges processing only.
#include <string>

#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

// Whether partition `slot` is paused and not due yet (its fetch is skipped); resumes it, in
// the poll loop before polling, once it is due.
bool Consumer::delay_paused(std::size_t slot, Output& out) {
  SimTimeUs& until = paused_until_[slot];
  if (until.us == 0) return false;
  if (out.now() < until) return true;
  until = SimTimeUs{};  // resume(partition)
  return false;
}

// `wait: pause`: whether batch_[next_] is held back: its partition was paused earlier in this
// batch, or it is not due, in which case the partition is paused until it is and its position
// sought back to it. The commit then covers the records before it only.
bool Consumer::delay_holds_back(Output& out) {
  ConsumerDelayConfig const& d = config_->delay;
  if (!d.enabled || !d.pause) return false;
  Polled const& p = batch_[next_];
  if (paused_until_[p.slot].us != 0) return true;
  SimTimeUs const due = delay_due(p.timestamp, d.delay_ms);
  if (out.now() >= due) return false;
  paused_until_[p.slot] = due;    // pause(partition)
  positions_[p.slot] = p.offset;  // seek(partition, record.offset())
  // The last record of the partition handled in this batch, if any: what a commit names.
  // (Without one the commit leaves the partition out; it was committed up to here already or
  // will be by a later commit.)
  last_[p.slot] = Polled{};
  for (std::size_t i = next_; i-- > 0;) {
    if (batch_[i].slot == p.slot) {
      last_[p.slot] = batch_[i];
      break;
    }
  }
  note_pause(p, due, out);
  return true;
}

// Records the seek back as an `assign` op, as consumer_seek.cpp records a seek: the partitions
// held, and in `detail` where the paused one will read from, and until when.
void Consumer::note_pause(Polled const& p, SimTimeUs due, Output& out) const {
  std::vector<history::Record> held;
  for (std::uint32_t partition : assigned_) {
    PartitionInfo const& info = config_->cluster->partitions[partition];
    held.push_back(history::Record::of(MessageId{0}, info.topic, {}, info.number));
  }
  std::string const name = config_->cluster->partitions[assigned_[p.slot]].name();
  out.complete(history::OpType::ok, history::OpKind::assign, std::move(held), config_->group,
               "pause and seek back (delay pattern): " + name + " at " +
                   std::to_string(p.offset.value) + ", not due until " +
                   std::to_string(due.us / 1'000) + " ms");
}

// `wait: sleep`: whether the loop sleeps until batch_[next_] is due (then process_next again).
bool Consumer::delay_sleeps(Output& out) {
  ConsumerDelayConfig const& d = config_->delay;
  if (!d.enabled || d.pause) return false;
  SimTimeUs const due = delay_due(batch_[next_].timestamp, d.delay_ms);
  if (out.now() >= due) return false;
  out.set_timer(delay_timer, due - out.now());  // Thread.sleep: poll() is not called.
  return true;
}

}  // namespace mqcheck::model::kafka
