// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_delay.cpp (layer: checker)
// Delay: a message sent with `deliver_after` T is never delivered, polled or processed before
// T (`early-delivery`, judged on ok ops at their completion time, which is after the effect).
// An info op (or a process invoke never completed) before T only maybe happened early: it
// makes the verdict unknown, never invalid. Sources: RocketMQ delay levels (scheduled
// messages), the RabbitMQ delayed-message exchange and TTL + dead-letter delay queues. A group
// whose consumers do the holding back (header `"delay":"consumer"`) is judged on processing only.
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "checker/feature_common.hpp"
#include "checker/feature_judge.hpp"
#include "checker/features.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using feature::SentMessage;

Anomaly early_anomaly(history::Op const& op, MessageId id, SentMessage const& sent) {
  SimTimeUs const due = *sent.record.deliver_after;
  MQCHECK_ASSERT(op.time < due);
  std::string const verb = op.f == history::OpKind::process ? " processed it" : " received it";
  std::string explanation = feature::message_name(id) + " was sent by " + sent.process + " (op " +
                            std::to_string(sent.first_send) + ") to be delivered from " +
                            feature::time_text(due) + " on, but " + feature::consumer_name(op) +
                            verb + " at " + feature::time_text(op.time) + " (op " +
                            std::to_string(op.index) + ")";
  // A malformed history may list the consumption before the send: witnesses stay ascending.
  return Anomaly{"early-delivery", id, op.group,
                 feature::unique_sorted({sent.first_send, op.index}), std::move(explanation)};
}

// Whether the delay check judges `op`. A group whose header says `"delay":"consumer"` holds
// delayed messages back itself: Kafka has no delayed delivery, and the pattern fetches the
// record, and if it is not due pauses the partition and seeks back to it (Spring Kafka's
// KafkaConsumerBackoffManager: "backs off consumption for a given topic if the timestamp
// provided is not due ... the message is read again after partition consumption is resumed").
// Only its processing then shows the delay broken; polls and deliveries are not early.
bool judges(history::Header const& header, history::Op const& op) {
  auto const spec = header.groups.find(op.group);
  return op.f == history::OpKind::process || spec == header.groups.end() ||
         spec->second.delay != history::GroupSpec::DelayBy::consumer;
}

class DelayJudge final : public feature::Judge {
 public:
  explicit DelayJudge(history::Header const& header) : header_(header) {}

  // Exercised when a send record has `deliver-after` (feature_common.hpp: any client send op).
  void on_op(history::Op const& op) override {
    if (exercised_ || !history::is_client_op(op) || op.f != history::OpKind::send) return;
    exercised_ = std::any_of(op.value.begin(), op.value.end(),
                             [](history::Record const& r) { return r.deliver_after.has_value(); });
  }

  void on_consumption(history::Op const& op, std::size_t record, bool certain,
                      SentMessage const* sent) override {
    if (sent == nullptr || !sent->record.deliver_after || !judges(header_, op)) return;
    MessageId const id = op.value[record].id;
    if (certain) ++findings_.judged;
    if (op.time >= *sent->record.deliver_after) return;
    if (!certain) {
      maybe_early_.insert(id);
    } else if (reported_.emplace(id, op.group).second) {
      findings_.anomalies.push_back(early_anomaly(op, id, *sent));
    }
  }

  std::optional<Verdict> finish() override {
    if (!exercised_) return std::nullopt;
    if (!maybe_early_.empty()) {
      findings_.doubts.push_back("maybe early: " +
                                 feature::plural(maybe_early_.size(), "message") +
                                 " named by an op of unknown outcome (info) before the delay "
                                 "ended");
    }
    std::size_t const early = findings_.anomalies.size();
    return feature::conclude(
        "delay", std::move(findings_),
        std::to_string(early) + (early == 1 ? " delivery" : " deliveries") +
            " of a delayed message before its delay ended",
        "no delayed message was delivered, polled or processed, so none could be early");
  }

 private:
  history::Header const& header_;
  bool exercised_ = false;
  feature::Findings findings_;
  std::set<std::pair<MessageId, std::string>> reported_;  // (message, group): first op only.
  std::set<MessageId> maybe_early_;
};

}  // namespace

namespace feature {
std::unique_ptr<Judge> delay_judge(history::Header const& header) {
  return std::make_unique<DelayJudge>(header);
}
}  // namespace feature

std::optional<Verdict> check_delay(history::History const& history) {
  DelayJudge judge(history.header());
  return feature::judge_whole(history, judge);
}

}  // namespace mqcheck::checker
