// SPDX-License-Identifier: Apache-2.0
// The broker key transaction.partition.verification.enable (KIP-890 part 1): default true from
// 3.6, unknown (refused) before; set to false, the leader appends a late transactional record
// after its transaction's ABORT marker without asking the coordinator, as before 3.6.
#include <catch2/catch.hpp>
#include <string_view>

#include "model/kafka/model.hpp"
#include "tests/model/kafka_fixture.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;
constexpr NodeId verify_key_client{0};
std::uint64_t const verify_key_producer = ClusterConfig::txn_producer_id(0);
char const* const verify_key = "transaction.partition.verification.enable";

ClusterConfig verify_key_parsed(Version version, char const* value) {
  ConfigMap m;
  if (value != nullptr) m[verify_key] = ConfigValue{value, {"t.yaml", 3, 3}};
  return testing::one_broker_txn_cluster(parse_cluster_config(m, version, {"t.yaml", 1, 1}));
}

ProduceRequest verify_key_produce(std::uint64_t request, std::int32_t seq) {
  return testing::txn_produce(request, seq, verify_key_producer);
}

TEST_CASE("transaction.partition.verification.enable: true from 3.6, refused before",
          "[kafka][txn]") {
  CHECK_FALSE(verify_key_parsed(Version{3, 5}, nullptr).txn_verification);
  CHECK(verify_key_parsed(Version{3, 6}, nullptr).txn_verification);
  CHECK(verify_key_parsed(Version{4, 0}, nullptr).txn_verification);
  CHECK_FALSE(verify_key_parsed(Version{3, 6}, "false").txn_verification);
  CHECK(verify_key_parsed(Version{3, 9}, "true").txn_verification);
  CHECK_THROWS_WITH(verify_key_parsed(Version{3, 5}, "true"), Catch::Contains("KIP-890"));
  CHECK_THROWS_WITH(verify_key_parsed(Version{3, 6}, "maybe"), Catch::Contains(verify_key));
}

TEST_CASE("verification off at 3.6: the late produce hangs the LSO again", "[kafka][txn]") {
  for (char const* value : {"true", "false"}) {
    CAPTURE(value);
    bool const on = std::string_view(value) == "true";
    ClusterConfig const cfg = verify_key_parsed(Version{3, 7}, value);
    Broker leader(&cfg, 0);
    Output out;
    leader.on_start(out);
    out.clear();
    leader.on_message(verify_key_client, verify_key_produce(1, 0), out);
    // With verification on, the first record of the transaction waits for the coordinator.
    CHECK(sent<VerifyTxnRequest>(out).size() == (on ? 1u : 0u));
    if (on) continue;  // kafka_txn_verify_test.cpp steps the verified path.
    // The ABORT marker ends the transaction; the delayed produce arrives after it.
    leader.on_message(cfg.controller, WriteTxnMarkerRequest{0, 0, verify_key_producer, 0, false},
                      out);
    out.clear();
    leader.on_message(verify_key_client, verify_key_produce(2, 1), out);
    CHECK(sent<VerifyTxnRequest>(out).empty());
    REQUIRE(sent<ProduceResponse>(out).size() == 1);
    CHECK(sent<ProduceResponse>(out)[0].error == Error::none);
    CHECK(leader.log(0).in_transaction(verify_key_producer));
    CHECK(leader.log(0).lso() == Offset{2});  // Below the late record, for good.
    CHECK(leader.log(0).hw() == Offset{3});
  }
}

}  // namespace
}  // namespace mqcheck::model::kafka
