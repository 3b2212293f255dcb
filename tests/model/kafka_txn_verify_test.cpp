// SPDX-License-Identifier: Apache-2.0
// KIP-890 part 1 stepped by hand (model/kafka/txn_verify.hpp): before 3.6 a leader appends a
// late transactional record after its transaction's ABORT marker and the LSO hangs below it;
// from 3.6 it first asks the coordinator, which answers INVALID_TXN_STATE for a partition
// not in the ongoing transaction, and the leader refuses the produce; a marker written
// while the question is out voids the answer; a record joining an open transaction goes
// straight; from 4.0 the marker's bumped epoch fences the late record before any question.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/kafka_fixture.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;
constexpr NodeId client{0};
std::uint64_t const producer = ClusterConfig::txn_producer_id(0);

ClusterConfig one_partition(Version version) {
  ClusterConfig c;
  c.version = version;
  c.txn_verification = txn_verification(version);  // Its default (config.cpp).
  return testing::one_broker_txn_cluster(c);
}

ProduceRequest late_produce(std::uint64_t request, std::int32_t seq) {
  return testing::txn_produce(request, seq, producer);
}

void abort_marker(Broker& leader, ClusterConfig const& cfg, Output& out) {
  leader.on_message(cfg.controller, WriteTxnMarkerRequest{0, 0, producer, 0, false}, out);
}

TEST_CASE("before 3.6 a late transactional produce after the ABORT marker hangs the LSO",
          "[kafka][txn]") {
  ClusterConfig const cfg = one_partition(Version{3, 5});
  Broker leader(&cfg, 0);
  Output out;
  leader.on_start(out);
  leader.on_message(client, late_produce(1, 0), out);  // Offset 0, in the transaction.
  abort_marker(leader, cfg, out);                      // Offset 1: the transaction is over.
  out.clear();
  leader.on_message(client, late_produce(2, 1), out);  // The delayed produce: offset 2.
  CHECK(sent<VerifyTxnRequest>(out).empty());
  REQUIRE(sent<ProduceResponse>(out).size() == 1);
  CHECK(sent<ProduceResponse>(out)[0].error == Error::none);
  CHECK(leader.log(0).in_transaction(producer));  // A transaction no coordinator knows.
  CHECK(leader.log(0).hw() == Offset{3});
  CHECK(leader.log(0).lso() == Offset{2});  // read_committed readers stop here for good.
}

TEST_CASE("from 3.6 the leader verifies a record that would open a transaction", "[kafka][txn]") {
  ClusterConfig const cfg = one_partition(Version{3, 6});
  Broker leader(&cfg, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(client, late_produce(1, 0), out);
  CHECK(sent<ProduceResponse>(out).empty());  // Held.
  auto const ask = sent<VerifyTxnRequest>(out);
  REQUIRE(ask.size() == 1);
  CHECK(out.sends()[0].to == cfg.controller);
  CHECK(ask[0].producer == producer);
  CHECK(leader.log(0).leo() == Offset{0});
  out.clear();
  leader.on_message(cfg.controller, VerifyTxnResponse{ask[0].verify, 0, producer, 0, Error::none},
                    out);
  REQUIRE(sent<ProduceResponse>(out).size() == 1);
  CHECK(sent<ProduceResponse>(out)[0].error == Error::none);
  CHECK(leader.log(0).leo() == Offset{1});
  out.clear();
  leader.on_message(client, late_produce(2, 1), out);  // Joins the open transaction: no question.
  CHECK(sent<VerifyTxnRequest>(out).empty());
  CHECK(sent<ProduceResponse>(out).size() == 1);
  abort_marker(leader, cfg, out);
  out.clear();
  leader.on_message(client, late_produce(3, 2), out);  // Late: the coordinator says no.
  auto const late = sent<VerifyTxnRequest>(out);
  REQUIRE(late.size() == 1);
  out.clear();
  leader.on_message(cfg.controller,
                    VerifyTxnResponse{late[0].verify, 0, producer, 0, Error::invalid_txn_state},
                    out);
  REQUIRE(sent<ProduceResponse>(out).size() == 1);
  CHECK(sent<ProduceResponse>(out)[0].error == Error::invalid_txn_state);
  CHECK(leader.log(0).leo() == Offset{3});  // Two records and the marker; nothing more.
  CHECK(leader.log(0).lso() == leader.log(0).hw());
}

TEST_CASE("a marker written during verification voids it (KAFKA-14884)", "[kafka][txn]") {
  ClusterConfig const cfg = one_partition(Version{3, 7});
  Broker leader(&cfg, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(client, late_produce(1, 0), out);
  auto const ask = sent<VerifyTxnRequest>(out);
  REQUIRE(ask.size() == 1);
  abort_marker(leader, cfg, out);  // The transaction ends before the answer arrives.
  out.clear();
  leader.on_message(cfg.controller, VerifyTxnResponse{ask[0].verify, 0, producer, 0, Error::none},
                    out);
  REQUIRE(sent<ProduceResponse>(out).size() == 1);
  CHECK(sent<ProduceResponse>(out)[0].error == Error::invalid_txn_state);
  CHECK_FALSE(leader.log(0).in_transaction(producer));
}

TEST_CASE("from 4.0 the marker's bumped epoch fences the late produce at once", "[kafka][txn]") {
  ClusterConfig const cfg = one_partition(Version{4, 0});
  Broker leader(&cfg, 0);
  Output out;
  leader.on_start(out);
  // KIP-890 part 2: the coordinator wrote the ABORT marker with epoch 1.
  leader.on_message(cfg.controller, WriteTxnMarkerRequest{0, 0, producer, 1, false}, out);
  out.clear();
  leader.on_message(client, late_produce(1, 0), out);  // Epoch 0: older than the marker's.
  CHECK(sent<VerifyTxnRequest>(out).empty());          // No need to ask.
  REQUIRE(sent<ProduceResponse>(out).size() == 1);
  CHECK(sent<ProduceResponse>(out)[0].error == Error::invalid_producer_epoch);  // KIP-588.
  CHECK(leader.log(0).leo() == Offset{1});
}

TEST_CASE("the coordinator verifies only a partition of the ongoing transaction", "[kafka][txn]") {
  ClusterConfig const cfg = one_partition(Version{3, 6});
  Controller c(&cfg);
  Output out;
  auto verify = [&](std::int32_t epoch) {
    out.clear();
    c.on_message(cfg.broker_node(0), VerifyTxnRequest{9, 0, producer, epoch, 0}, out);
    auto const r = sent<VerifyTxnResponse>(out);
    REQUIRE(r.size() == 1);
    CHECK(r[0].verify == 9);
    return r[0].error;
  };
  c.on_message(client, InitProducerIdRequest{1, 0, 60'000}, out);
  CHECK(verify(0) == Error::invalid_txn_state);  // No transaction yet.
  c.on_message(client, AddPartitionsToTxnRequest{2, 0, producer, 0, 0}, out);
  CHECK(verify(0) == Error::none);
  c.on_message(client, EndTxnRequest{3, 0, producer, 0, false}, out);
  CHECK(verify(0) == Error::none);  // PrepareAbort: listed until the marker is written.
  c.on_message(cfg.broker_node(0), WriteTxnMarkerResponse{0, 0, 0, Error::none}, out);
  CHECK(c.txn_phase(0) == TxnPhase::complete_abort);
  CHECK(verify(0) == Error::invalid_txn_state);
  c.on_message(client, InitProducerIdRequest{4, 0, 60'000}, out);  // Epoch 1.
  CHECK(verify(0) == Error::producer_fenced);
}

}  // namespace
}  // namespace mqcheck::model::kafka
