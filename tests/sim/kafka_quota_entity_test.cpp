// SPDX-License-Identifier: Apache-2.0
// Client quotas per entity (KIP-55; quota_config.hpp): the rate is kept per quota entity, so
// two producers configured with one client.id share a client-id quota, and a user quota is
// shared by all of that user's clients, while a more specific (user, client-id) entity gives
// its client a rate of its own. Each producer here writes about 23 KB at 2000 records/s to
// one broker; at 10,000 B/s two alone take about as long as one, two sharing take longer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "sim/run.hpp"
#include "tests/sim/quota_scenario.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;

std::string const entity_base = testing::quota_scenario_base("8s");

// p1 and p2, each with its principal and extra config.
std::string entity_producers(std::string const& p1, std::string const& p2) {
  auto const one = [](std::string const& id, std::string const& extra) {
    return "  - {id: " + id + ", topic: orders, messages: 200, rate_per_s: 2000" +
           (extra.empty() ? std::string() : ", " + extra) + "}\n";
  };
  return "producers:\n" + one("p1", p1) + one("p2", p2);
}

// When each producer's last send was acknowledged, in microseconds.
struct LastAcks {
  std::int64_t p1 = 0;
  std::int64_t p2 = 0;
  std::size_t ok = 0;
};

LastAcks last_acks(std::string const& text) {
  history::History const h = simulate(parse_scenario(text, "s.yaml"), 1).history;
  LastAcks a;
  for (history::Op const& op : h.ops()) {
    if (op.f != OpKind::send || op.type != OpType::ok) continue;
    ++a.ok;
    std::int64_t& last = op.process == "p1" ? a.p1 : a.p2;
    last = std::max(last, op.time.us);
  }
  return a;
}

TEST_CASE("two producers sharing a client.id share its quota", "[sim][kafka][quota]") {
  LastAcks const own = last_acks(entity_base +
                                 "quotas: [{client-id: p1, producer_byte_rate: 10000},\n"
                                 "         {client-id: p2, producer_byte_rate: 10000}]\n" +
                                 entity_producers("", ""));
  LastAcks const shared =
      last_acks(entity_base + "quotas: [{client-id: app, producer_byte_rate: 10000}]\n" +
                entity_producers("config: {client.id: app}", "config: {client.id: app}"));
  CHECK(own.ok == 400);
  CHECK(shared.ok == 400);
  // Twice the bytes against one rate: the pair finishes markedly later.
  CHECK(std::max(shared.p1, shared.p2) > 3 * std::max(own.p1, own.p2) / 2);
}

TEST_CASE("a user quota is shared by the user's clients, unless one has its own entity",
          "[sim][kafka][quota]") {
  std::string const alice = "principal: 'User:alice'";
  LastAcks const own = last_acks(entity_base +
                                 "quotas: [{client-id: p1, producer_byte_rate: 10000},\n"
                                 "         {client-id: p2, producer_byte_rate: 10000}]\n" +
                                 entity_producers(alice, alice));
  LastAcks const user =
      last_acks(entity_base + "quotas: [{user: 'User:alice', producer_byte_rate: 10000}]\n" +
                entity_producers(alice, alice));
  CHECK(std::max(user.p1, user.p2) > 3 * std::max(own.p1, own.p2) / 2);
  // p2 has a (user, client-id) entity of its own: the most specific wins (KIP-55), so p1
  // alone counts against the user's rate and both finish as if alone.
  LastAcks const split =
      last_acks(entity_base +
                "quotas: [{user: 'User:alice', producer_byte_rate: 10000},\n"
                "         {user: 'User:alice', client-id: p2, producer_byte_rate: 10000}]\n" +
                entity_producers(alice, alice));
  CHECK(std::max(split.p1, split.p2) < 5 * std::max(own.p1, own.p2) / 4);
}

}  // namespace
}  // namespace mqcheck::sim
