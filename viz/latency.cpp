// SPDX-License-Identifier: Apache-2.0
// File: viz/latency.cpp (layer: viz)
// Latency samples and their histograms.
#include "viz/latency.hpp"

#include <algorithm>
#include <map>

#include "core/time.hpp"
#include "viz/escape.hpp"

namespace mqcheck::viz {

Latencies latencies_of(history::History const& history) {
  Latencies l;
  std::map<std::pair<std::string, MessageId>, std::int64_t> open;  // (producer, id) → invoke
  std::map<MessageId, std::int64_t> first_send;
  for (history::Op const& op : history.ops()) {
    for (history::Record const& r : op.value) {
      if (op.f == history::OpKind::send && op.type == history::OpType::invoke) {
        open.try_emplace({op.process, r.id}, op.time.us);
        first_send.try_emplace(r.id, op.time.us);
      } else if (op.f == history::OpKind::send && op.type == history::OpType::ok) {
        auto it = open.find({op.process, r.id});
        if (it == open.end()) continue;
        l.send_to_confirm_us.push_back(op.time.us - it->second);
        open.erase(it);
      } else if (op.f == history::OpKind::process && op.type == history::OpType::ok) {
        auto it = first_send.find(r.id);
        if (it != first_send.end()) l.send_to_process_us.push_back(op.time.us - it->second);
      }
    }
  }
  std::sort(l.send_to_confirm_us.begin(), l.send_to_confirm_us.end());
  std::sort(l.send_to_process_us.begin(), l.send_to_process_us.end());
  return l;
}

std::int64_t percentile(std::vector<std::int64_t> const& sorted, int p) {
  if (sorted.empty()) return 0;
  auto const n = static_cast<std::int64_t>(sorted.size());
  std::int64_t rank = (p * n + 99) / 100;  // Nearest rank: ceil(p/100 * n), at least 1.
  rank = std::clamp<std::int64_t>(rank, 1, n);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

std::string histogram_svg(std::vector<std::int64_t> const& sorted, std::string const& title,
                          int bins) {
  constexpr int width = 420;
  constexpr int height = 140;
  constexpr int base = 110;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hist\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\"><text x=\"4\" y=\"12\" font-size=\"11\">" + xml_escape(title) + "</text>";
  if (sorted.empty())
    return out + "<text x=\"4\" y=\"60\" font-size=\"11\">no samples</text></svg>";
  std::int64_t const lo = sorted.front();
  std::int64_t const span = std::max<std::int64_t>(sorted.back() - lo + 1, bins);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  for (std::int64_t v : sorted) ++counts[static_cast<std::size_t>((v - lo) * bins / span)];
  std::int64_t const top = *std::max_element(counts.begin(), counts.end());
  int const bar = (width - 8) / bins;
  for (int i = 0; i < bins; ++i) {
    std::int64_t const c = counts[static_cast<std::size_t>(i)];
    int const h = static_cast<int>(c * 80 / top);
    int const x = 4 + i * bar;
    out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(base - h) + "\" width=\"" +
           std::to_string(bar - 2) + "\" height=\"" + std::to_string(h) +
           "\" fill=\"#54aeff\"><title>" + std::to_string(c) + "</title></rect>";
    if (c > 0) {
      out += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(base - h - 2) +
             "\" font-size=\"8\">" + std::to_string(c) + "</text>";
    }
  }
  out += "<text x=\"4\" y=\"126\" font-size=\"10\">" + format_duration(DurationUs{lo}) +
         "</text><text x=\"" + std::to_string(width - 4) +
         "\" y=\"126\" font-size=\"10\" text-anchor=\"end\">" +
         format_duration(DurationUs{sorted.back()}) + "</text></svg>";
  return out;
}

}  // namespace mqcheck::viz
