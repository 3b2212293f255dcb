// SPDX-License-Identifier: Apache-2.0
// The transaction coordinator (on the controller) and the broker's side of transactions,
// stepped by hand: InitProducerId bumps the epoch and aborts what the previous instance left
// open, stale epochs are fenced, EndTxn writes markers and commits the offsets, the timeout
// aborts, KIP-890 bumps the epoch per transaction from 4.0, and a leader serves read_committed
// fetches up to the LSO with the aborted-transaction index.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/kafka_fixture.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
constexpr NodeId client{0};

ClusterConfig cluster(Version version = Version{3, 7}) {
  ClusterConfig c;
  c.version = version;
  return testing::one_broker_txn_cluster(c);
}

using testing::sent;

InitProducerIdResponse init(Controller& c, Output& out, std::uint64_t request = 1) {
  out.clear();
  c.on_message(client, InitProducerIdRequest{request, 0, 60'000}, out);
  auto const r = sent<InitProducerIdResponse>(out);
  REQUIRE(r.size() == 1);
  return r[0];
}

TxnResponse add(Controller& c, Output& out, std::int32_t epoch) {
  out.clear();
  c.on_message(client, AddPartitionsToTxnRequest{5, 0, ClusterConfig::txn_producer_id(0), epoch, 0},
               out);
  auto const r = sent<TxnResponse>(out);
  REQUIRE(r.size() == 1);
  return r[0];
}

TEST_CASE("InitProducerId bumps the epoch; an older epoch is fenced", "[kafka][txn]") {
  ClusterConfig const cfg = cluster();
  Controller c(&cfg);
  Output out;
  CHECK(init(c, out).producer_epoch == 0);
  CHECK(init(c, out).producer_epoch == 1);  // A new instance: epoch 0 is now a zombie.
  CHECK(add(c, out, 0).error == Error::producer_fenced);
  CHECK(add(c, out, 1).error == Error::none);
  CHECK(c.txn_phase(0) == TxnPhase::ongoing);
}

TEST_CASE("a new instance's InitProducerId aborts the open transaction with a bumped epoch",
          "[kafka][txn]") {
  ClusterConfig const cfg = cluster();
  Controller c(&cfg);
  Output out;
  init(c, out);
  add(c, out, 0);
  InitProducerIdResponse const busy = init(c, out, 2);
  CHECK(busy.error == Error::concurrent_transactions);
  CHECK(c.txn_phase(0) == TxnPhase::prepare_abort);
  auto const markers = sent<WriteTxnMarkerRequest>(out);
  REQUIRE(markers.size() == 1);
  CHECK_FALSE(markers[0].commit);
  CHECK(markers[0].producer_epoch == 1);  // The zombie's late writes will be fenced.
  out.clear();
  c.on_message(NodeId{10}, WriteTxnMarkerResponse{0, 0, 1, Error::none}, out);
  CHECK(c.txn_phase(0) == TxnPhase::complete_abort);
  InitProducerIdResponse const ok = init(c, out, 3);
  CHECK(ok.error == Error::none);
  CHECK(ok.producer_epoch == 2);
}

TEST_CASE("EndTxn commit commits the transaction's offsets and writes COMMIT markers",
          "[kafka][txn]") {
  ClusterConfig const cfg = cluster();
  Controller c(&cfg);
  Output out;
  init(c, out);
  add(c, out, 0);
  out.clear();
  std::uint64_t const pid = ClusterConfig::txn_producer_id(0);
  c.on_message(client, TxnOffsetCommitRequest{6, 0, pid, 0, 3, {{0, Offset{42}}}}, out);
  out.clear();
  c.on_message(client, OffsetFetchRequest{7, 3, {0}}, out);
  CHECK(sent<OffsetFetchResponse>(out)[0].offsets[0].offset == Offset{-1});  // Not yet.
  out.clear();
  c.on_message(client, EndTxnRequest{8, 0, pid, 0, true}, out);
  CHECK(sent<TxnResponse>(out)[0].error == Error::none);
  CHECK(sent<TxnResponse>(out)[0].producer_epoch == 0);  // 3.7: no KIP-890 bump.
  REQUIRE(sent<WriteTxnMarkerRequest>(out).size() == 1);
  CHECK(sent<WriteTxnMarkerRequest>(out)[0].commit);
  out.clear();
  c.on_message(client, OffsetFetchRequest{9, 3, {0}}, out);
  CHECK(sent<OffsetFetchResponse>(out)[0].offsets[0].offset == Offset{42});
}

TEST_CASE("from 4.0 (KIP-890 part 2) EndTxn bumps the epoch", "[kafka][txn]") {
  ClusterConfig const cfg = cluster(Version{4, 0});
  Controller c(&cfg);
  Output out;
  init(c, out);
  add(c, out, 0);
  out.clear();
  c.on_message(client, EndTxnRequest{8, 0, ClusterConfig::txn_producer_id(0), 0, false}, out);
  CHECK(sent<TxnResponse>(out)[0].producer_epoch == 1);
  CHECK(sent<WriteTxnMarkerRequest>(out)[0].producer_epoch == 1);
  CHECK(c.txn_epoch(0) == 1);
}

TEST_CASE("transaction.timeout.ms aborts an open transaction and fences its producer",
          "[kafka][txn]") {
  ClusterConfig const cfg = cluster();
  Controller c(&cfg);
  Output out;
  init(c, out);
  add(c, out, 0);
  out.clear();
  c.on_timer(Controller::txn_timer_base_for_test(0), out);
  CHECK(c.txn_phase(0) == TxnPhase::prepare_abort);
  CHECK(c.txn_epoch(0) == 1);
  CHECK(add(c, out, 0).error == Error::producer_fenced);
}

TEST_CASE("controllers differing only in transaction state compare unequal", "[kafka][txn]") {
  ClusterConfig const cfg = cluster();
  Controller a(&cfg), b(&cfg);
  Output out;
  init(a, out);
  CHECK_FALSE(a == b);
  Hasher ha, hb;
  a.hash_into(ha);
  b.hash_into(hb);
  CHECK(ha.digest() != hb.digest());
}

ProduceRequest txn_produce(std::uint64_t request, std::int32_t seq, std::int32_t epoch) {
  return testing::txn_produce(request, seq, ClusterConfig::txn_producer_id(0), epoch);
}

FetchRequest consumer_fetch(bool read_committed) {
  FetchRequest f;
  f.request = 50;
  f.offset = Offset{0};
  f.read_committed = read_committed;
  return f;
}

TEST_CASE("a leader writes markers, fences old epochs and serves read_committed to the LSO",
          "[kafka][txn]") {
  // 3.5: before KIP-890 part 1, so the produces append without asking the coordinator
  // (kafka_txn_verify_test.cpp covers the verification).
  ClusterConfig const cfg = cluster(Version{3, 5});
  Broker leader(&cfg, 0);
  Output out;
  leader.on_start(out);
  leader.on_message(client, txn_produce(1, 0, 0), out);  // Offset 0, transaction A.
  out.clear();
  leader.on_message(cfg.controller,
                    WriteTxnMarkerRequest{0, 0, ClusterConfig::txn_producer_id(0), 1, false},
                    out);  // ABORT at offset 1 with the bumped epoch 1.
  REQUIRE(sent<WriteTxnMarkerResponse>(out).size() == 1);  // Single replica: HW passes at once.
  out.clear();
  leader.on_message(client, txn_produce(2, 1, 0), out);  // The zombie, epoch 0.
  // INVALID_PRODUCER_EPOCH from 2.7 (KIP-588): abortable for the client, whose EndTxn is then
  // fenced by the coordinator.
  CHECK(sent<ProduceResponse>(out)[0].error == Error::invalid_producer_epoch);
  leader.on_message(client, txn_produce(3, 0, 1), out);  // The new instance: offset 2, open.
  out.clear();
  leader.on_message(client, consumer_fetch(true), out);
  FetchResponse const committed = sent<FetchResponse>(out)[0];
  CHECK(committed.records.size() == 2);  // Up to the LSO (2): the aborted record and marker.
  REQUIRE(committed.aborted.size() == 1);
  CHECK(committed.aborted[0].first == Offset{0});
  out.clear();
  leader.on_message(client, consumer_fetch(false), out);
  CHECK(sent<FetchResponse>(out)[0].records.size() == 3);  // read_uncommitted: to the HW.
  CHECK(sent<FetchResponse>(out)[0].aborted.empty());
}

// ProducerStateManager.checkProducerEpoch: PRODUCER_FENCED (fatal to the client) before 2.7,
// INVALID_PRODUCER_EPOCH (abortable) from 2.7 (KIP-588).
TEST_CASE("a produce with a stale epoch: PRODUCER_FENCED before 2.7, INVALID_PRODUCER_EPOCH after",
          "[kafka][txn]") {
  for (auto const& [version, want] : {std::pair{Version{2, 6}, Error::producer_fenced},
                                      std::pair{Version{2, 7}, Error::invalid_producer_epoch}}) {
    ClusterConfig const cfg = cluster(version);
    Broker leader(&cfg, 0);
    Output out;
    leader.on_start(out);
    leader.on_message(client, txn_produce(1, 0, 1), out);  // Epoch 1 seen by the partition.
    out.clear();
    leader.on_message(client, txn_produce(2, 0, 0), out);  // Epoch 0: stale.
    REQUIRE(sent<ProduceResponse>(out).size() == 1);
    CHECK(sent<ProduceResponse>(out)[0].error == want);
  }
}

}  // namespace
}  // namespace mqcheck::model::kafka
