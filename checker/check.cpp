// SPDX-License-Identifier: Apache-2.0
// File: checker/check.cpp (layer: checker)
// Composes the checkers into one report (check_history) and picks the streaming path when it
// gives the same report in bounded memory: delivery, ordering and transactional visibility
// share one pass over the ops (check_streaming) with the per-op feature properties (delay,
// filtering, tenancy, authorization), dead letters, broadcast and priority; the transactions
// stream proves a pipeline's verdict or doubts (then the history is loaded).
#include "checker/check.hpp"

#include <algorithm>

#include "checker/feature_stream.hpp"
#include "checker/features.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_stream.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

void append(std::vector<Verdict>& to, std::vector<Verdict> more) {
  for (Verdict& v : more) to.push_back(std::move(v));
}

std::size_t rank(std::string_view guarantee) {
  auto const names = all_guarantee_names();
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), guarantee) -
                                  names.begin());
}

bool wanted(std::span<std::string const> only, std::string_view guarantee) {
  return only.empty() || std::find(only.begin(), only.end(), guarantee) != only.end();
}

// An invalid verdict whose every anomaly was permitted is valid: nothing it reported was a
// violation. Unknown stays unknown: its reason was never an anomaly.
void revalidate(Verdict& v, std::size_t moved) {
  if (moved == 0 || v.validity != Validity::invalid || !v.anomalies.empty()) return;
  v.validity = Validity::valid;
  v.reason = "only anomalies the configuration permits (listed as permitted)";
}

}  // namespace

std::vector<std::string_view> all_guarantee_names() {
  std::vector<std::string_view> names = guarantee_names();
  for (std::string_view n :
       {"ordering", "transactional-visibility", "exactly-once-pipeline", "delay", "priority",
        "dead-letter", "broadcast", "filtering", "tenancy", "authorization"}) {
    names.push_back(n);
  }
  return names;
}

bool promised(history::Header const& header, std::string_view guarantee) {
  return header.promises.empty() ||
         std::find(header.promises.begin(), header.promises.end(), guarantee) !=
             header.promises.end();
}

void apply_allowed(history::Header const& header, DeliveryReport& report) {
  for (Verdict& v : report.verdicts) {
    std::size_t moved = 0;
    std::erase_if(v.anomalies, [&](Anomaly const& a) {
      auto const it = header.allowed.find(a.kind);
      if (it == header.allowed.end()) return false;
      bool const listed = std::find(report.permitted.begin(), report.permitted.end(), a) !=
                          report.permitted.end();
      if (!listed && v.guarantee != "exactly-once") {
        Anomaly permitted = a;
        permitted.explanation += " (permitted: " + it->second + ")";
        report.permitted.push_back(std::move(permitted));
      }
      ++moved;
      return true;
    });
    revalidate(v, moved);
  }
  sort_anomalies(report.permitted);
}

namespace {

// Keeps the verdicts asked for, in report order, then applies the header's word.
DeliveryReport compose(history::Header const& header, DeliveryReport report,
                       std::span<std::string const> only) {
  std::erase_if(report.verdicts, [&](Verdict const& v) { return !wanted(only, v.guarantee); });
  std::stable_sort(report.verdicts.begin(), report.verdicts.end(),
                   [](Verdict const& a, Verdict const& b) {
                     return rank(a.guarantee) < rank(b.guarantee);
                   });
  apply_allowed(header, report);
  for (Verdict const& v : report.verdicts) {
    if (!promised(header, v.guarantee)) report.unpromised.push_back(v.guarantee);
  }
  return report;
}

}  // namespace

DeliveryReport check_history(history::History const& history, std::span<std::string const> only) {
  DeliveryReport report = check_delivery(history);
  append(report.verdicts, check_ordering(history));
  append(report.verdicts, check_transactions(history));
  append(report.verdicts, check_features(history));
  return compose(history.header(), std::move(report), only);
}

bool delivery_only(std::span<std::string const> only) {
  auto const names = guarantee_names();
  return !only.empty() && std::all_of(only.begin(), only.end(), [&](std::string const& g) {
    return std::find(names.begin(), names.end(), g) != names.end();
  });
}

DeliveryReport check_stream(history::Header const& header, OpSource const& source,
                            std::span<std::string const> only, StreamStats* stats) {
  MQCHECK_ASSERT(delivery_only(only));
  return compose(header, check_delivery_stream(header, source, {}, stats), only);
}

namespace {

// A kind's bit in DeliveryFindings::kinds, when the header allows it (apply_allowed).
std::uint8_t allowed_kinds(history::Header const& header) {
  std::uint8_t bits = 0;
  for (auto const& [kind, bit] : {std::pair{"duplicated", DeliveryFindings::duplicated},
                                  {"lost", DeliveryFindings::lost},
                                  {"unseen", DeliveryFindings::unseen},
                                  {"unexpected", DeliveryFindings::unexpected}}) {
    if (header.allowed.contains(kind)) bits |= bit;
  }
  return bits;
}

// compose() over findings: apply_allowed moves every anomaly of an allowed kind out of each
// verdict, and an invalid verdict left with none (revalidate) becomes valid. Each delivery
// verdict's anomalies are of known kinds (delivery.cpp): at-most-once's "duplicated",
// at-least-once's "lost" or "unseen", no-unexpected's "unexpected", exactly-once's all of
// theirs.
DeliveryJudgement judgement_of(history::Header const& header, DeliveryFindings const& findings,
                               std::span<std::string const> only) {
  constexpr std::array<std::uint8_t, 4> kinds_of{
      DeliveryFindings::duplicated, DeliveryFindings::lost | DeliveryFindings::unseen,
      DeliveryFindings::duplicated | DeliveryFindings::lost | DeliveryFindings::unseen |
          DeliveryFindings::unexpected,
      DeliveryFindings::unexpected};
  std::uint8_t const allowed = allowed_kinds(header);
  auto const names = guarantee_names();
  DeliveryJudgement out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!wanted(only, names[i])) continue;  // As judgement_of(report): not in the report.
    Validity v = findings.validity[i];
    std::uint8_t const listed = findings.kinds & kinds_of[i];
    if (v == Validity::invalid && listed != 0 && (listed & ~allowed) == 0) v = Validity::valid;
    out.validity[i] = v;
    auto const bit = static_cast<std::uint8_t>(1u << i);
    out.present |= bit;
    if (promised(header, names[i])) out.promised |= bit;
  }
  return out;
}

}  // namespace

DeliveryJudgement judgement_of(DeliveryReport const& report) {
  auto const names = guarantee_names();
  DeliveryJudgement out;
  for (Verdict const& v : report.verdicts) {
    auto const at = std::find(names.begin(), names.end(), v.guarantee);
    MQCHECK_ASSERT(at != names.end());  // check_stream judges delivery guarantees only.
    auto const i = static_cast<std::size_t>(at - names.begin());
    out.validity[i] = v.validity;
    out.present |= static_cast<std::uint8_t>(1u << i);
    if (std::find(report.unpromised.begin(), report.unpromised.end(), v.guarantee) ==
        report.unpromised.end())
      out.promised |= static_cast<std::uint8_t>(1u << i);
  }
  return out;
}

StreamJudge::StreamJudge() = default;
StreamJudge::~StreamJudge() = default;

DeliveryJudgement StreamJudge::judge(history::Header const& header, OpSource const& source,
                                     std::span<std::string const> only) {
  MQCHECK_ASSERT(delivery_only(only));
  if (stream_ == nullptr) {
    stream_ = std::make_unique<DeliveryStream>(header, StreamOptions{}, nullptr);
  } else {
    stream_->reset(header);
  }
  DeliveryStream& stream = *stream_;
  source([&](history::Op const& op) { stream.observe(op); });
  return judgement_of(header, stream.judge(source), only);
}

DeliveryJudgement judge_stream(history::Header const& header, OpSource const& source,
                               std::span<std::string const> only) {
  StreamJudge judge;
  return judge.judge(header, source, only);
}

}  // namespace mqcheck::checker

namespace mqcheck::checker {

bool whole_history_needed(history::Header const& header) {
  bool const ordered = std::any_of(header.ordering.begin(), header.ordering.end(), [](auto& e) {
    return e.second != history::OrderingScope::none;
  });
  return ordered || features_declared(header);
}

bool features_declared(history::Header const& header) {
  // An isolation level alone is no feature: transactional visibility judges it, streaming.
  return !header.acls.empty() ||
         std::any_of(header.groups.begin(), header.groups.end(), [](auto const& entry) {
           history::GroupSpec spec = entry.second;
           spec.isolation = history::GroupSpec{}.isolation;
           return spec != history::GroupSpec{};
         });
}

bool whole_history_needed(history::Op const& op) {
  using history::OpKind;
  if (!op.txn.empty() || op.f == OpKind::txn_begin || op.f == OpKind::txn_commit ||
      op.f == OpKind::txn_abort)
    return true;
  // A pipeline output (a record with a `source`): the transactions stream proves the
  // pipeline's verdict or doubts, so such an op may need the whole history.
  return carries_feature(op) || std::any_of(op.value.begin(), op.value.end(),
                                            [](history::Record const& r) { return r.source; });
}

DeliveryReport check_streaming(history::Header const& header, OpSource const& source,
                               std::function<history::History()> const& load,
                               std::span<std::string const> only, StreamOptions options,
                               StreamStats* stats) {
  if (delivery_only(only)) return check_stream(header, source, only, stats);
  // Delivery, ordering, transactional visibility and the per-op features in one pass, fed op
  // by op from one visitor; a second pass, if delivery or ordering needs one, reads the source
  // again. The feature stream lets a message's send record go when delivery settles it.
  FeatureStream features(header);
  options.on_settle = [&features](MessageId id) { features.forget(id); };
  DeliveryStream delivery(header, options, stats);
  // One table of open messages for both: one lookup per op that names a message.
  OrderingStream ordering(header, options.settle_delay, delivery);
  TransactionsStream transactions(header);
  std::uint64_t seen = 0;
  // Bytes of the ordering and transactions streams, sampled as the delivery stream samples its
  // own.
  std::size_t others_peak = 0;
  auto const others_bytes = [&] {
    return ordering.memory_bytes() + transactions.memory_bytes() + features.memory_bytes();
  };
  source([&](history::Op const& op) {
    delivery.observe(op);
    ordering.observe(op);
    transactions.observe(op);
    features.observe(op);
    if (stats != nullptr && (++seen & 0xfff) == 0)
      others_peak = std::max(others_peak, others_bytes());
  });
  // Before a second delivery pass, not after.
  auto const loaded = [&](char const* why) {
    if (stats != nullptr) {
      stats->loaded_for = why;
      stats->passes = std::max<std::uint64_t>(stats->passes, 1) + 1;  // This one, and the load.
    }
    return check_history(load(), only);
  };
  if (!transactions.decided()) return loaded("transactions");
  if (!features.decided()) return loaded("features");
  std::vector<Verdict> feature_verdicts = features.finish();
  if (!features.decided()) return loaded("features");
  if (stats != nullptr) stats->features_streamed = !feature_verdicts.empty();
  DeliveryReport report = delivery.finish(source);
  if (stats != nullptr)  // The messages in flight are the delivery stream's; bytes add up.
    stats->memory_peak_bytes += std::max(others_peak, others_bytes());
  // The feature stream judged every feature the history exercises (it doubts at the others),
  // and the transactions stream proved the pipeline verdict when there is one
  // (checker/transactions_pipeline_stream.hpp).
  // Gaps in consumers' reads take the ordering stream one more pass over the ops
  // (checker/ordering_stream_skips.hpp); only what that cannot judge loads.
  std::optional<std::vector<Verdict>> ordered;
  if (ordering.judged()) {
    std::uint64_t reads = 0;
    std::size_t const before = ordering.memory_bytes();
    ordered = ordering.finish(source, reads);
    if (reads > 0 && stats != nullptr) {
      stats->passes += reads;
      // That pass's state, held beside everything the first left.
      std::size_t const after = ordering.memory_bytes();
      stats->memory_peak_bytes += after - std::min(before, after);
    }
  }
  if (ordered) {
    append(report.verdicts, std::move(*ordered));
  } else {
    if (stats != nullptr) {
      ++stats->passes;
      stats->loaded_for = "ordering";
    }
    append(report.verdicts, check_ordering_loaded(header, source));
  }
  append(report.verdicts, transactions.finish());
  append(report.verdicts, std::move(feature_verdicts));
  return compose(header, std::move(report), only);
}

}  // namespace mqcheck::checker
