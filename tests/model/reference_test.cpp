// SPDX-License-Identifier: Apache-2.0
// The reference queue's actors stepped by hand, with no kernel: each rule of
// docs/reference-broker.md checked on the effects it returns.
#include <catch2/catch.hpp>

#include "core/input_error.hpp"
#include "model/reference/model.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::reference {
namespace {

using Output = Out<Message, Entry>;

BrokerConfig broker_config(bool dedup, FsyncPolicy fsync = FsyncPolicy::always) {
  BrokerConfig c;
  c.dedup = dedup;
  c.fsync = fsync;
  c.queue = "orders";
  c.prefetch = 1;
  c.consumers = {{NodeId{5}, false}};
  return c;
}

using testing::sent;

TEST_CASE("the broker stores, confirms and delivers a publish", "[reference]") {
  BrokerConfig const c = broker_config(false);
  Broker b(&c);
  Output out;
  b.on_start(out);
  out.clear();
  b.on_message(NodeId{0}, Publish{MessageId{7}}, out);
  auto const confirms = sent<Confirmed>(out);
  REQUIRE(confirms.size() == 1);
  CHECK(confirms[0].offset == Offset{0});
  auto const deliveries = sent<Delivered>(out);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].id == MessageId{7});
  CHECK_FALSE(deliveries[0].redelivered);
  REQUIRE(out.disk().size() == 2);  // The enqueue record, then its fsync.
  CHECK(out.disk()[1].kind == DiskOp<Entry>::Kind::fsync);
}

TEST_CASE("without dedup a resend is stored twice; with dedup it is confirmed again",
          "[reference]") {
  for (bool const dedup : {false, true}) {
    CAPTURE(dedup);
    BrokerConfig const c = broker_config(dedup);
    Broker b(&c);
    Output out;
    b.on_start(out);
    b.on_message(NodeId{0}, Publish{MessageId{7}}, out);
    out.clear();
    b.on_message(NodeId{0}, Publish{MessageId{7}}, out);
    auto const confirms = sent<Confirmed>(out);
    REQUIRE(confirms.size() == 1);
    CHECK(confirms[0].offset == (dedup ? Offset{0} : Offset{1}));
    CHECK(out.disk().empty() == dedup);
  }
}

TEST_CASE("fsync never writes without syncing", "[reference]") {
  BrokerConfig const c = broker_config(false, FsyncPolicy::never);
  Broker b(&c);
  Output out;
  b.on_start(out);
  out.clear();
  b.on_message(NodeId{0}, Publish{MessageId{1}}, out);
  REQUIRE(out.disk().size() == 1);
  CHECK(out.disk()[0].kind == DiskOp<Entry>::Kind::append);
}

TEST_CASE("an unacknowledged delivery is redelivered when its timer fires", "[reference]") {
  BrokerConfig const c = broker_config(false);
  Broker b(&c);
  Output out;
  b.on_start(out);
  b.on_message(NodeId{0}, Publish{MessageId{1}}, out);
  DeliveryTag const tag = sent<Delivered>(out).at(0).tag;
  out.clear();
  b.on_timer(tag, out);
  auto const again = sent<Delivered>(out);
  REQUIRE(again.size() == 1);
  CHECK(again[0].redelivered);
  CHECK(again[0].tag != tag);
  out.clear();
  b.on_message(NodeId{5}, Acked{tag}, out);  // The stale tag acknowledges nothing.
  CHECK(out.disk().empty());
}

TEST_CASE("after a restart the broker redelivers what was enqueued and not acked", "[reference]") {
  BrokerConfig const c = broker_config(false);
  Broker b(&c);
  Output out;
  Disk<Entry> disk;
  b.on_start(out);
  for (std::uint64_t id : {1, 2}) b.on_message(NodeId{0}, Publish{MessageId{id}}, out);
  DeliveryTag const first = sent<Delivered>(out).at(0).tag;
  b.on_message(NodeId{5}, Acked{first}, out);
  for (auto const& op : out.disk()) {
    if (op.kind == DiskOp<Entry>::Kind::append) disk.append(op.file, op.entry);
  }
  Broker fresh(&c);
  Output after;
  fresh.on_recover(disk, after);
  auto const deliveries = sent<Delivered>(after);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].id == MessageId{2});
  CHECK(deliveries[0].redelivered);
  CHECK((deliveries[0].tag >> 40) == 2);  // Second boot: tags cannot collide with the first's.
}

TEST_CASE("an unknown broker key names the nearest known one", "[reference][config]") {
  ConfigMap map;
  map["fsinc"] = ConfigValue{"always", {"s.yaml", 4, 16}};
  try {
    parse_broker_config(map, {"s.yaml", 0, 0});
    FAIL("expected an InputError");
  } catch (InputError const& e) {
    CHECK(std::string(e.what()) ==
          "s.yaml:4:16: key 'broker_config.fsinc': unknown key (did you mean 'fsync'?)");
  }
}

TEST_CASE("a bad broker value is rejected with the choices", "[reference][config]") {
  ConfigMap map;
  map["fsync"] = ConfigValue{"alway", {"s.yaml", 4, 16}};
  try {
    parse_broker_config(map, {"s.yaml", 0, 0});
    FAIL("expected an InputError");
  } catch (InputError const& e) {
    CHECK(std::string(e.what()) ==
          "s.yaml:4:16: key 'broker_config.fsync': unknown value "
          "'alway'; expected one of: always never (did you mean "
          "'always'?)");
  }
}

TEST_CASE("a consumer acks before or after processing as configured", "[reference]") {
  for (AckMode const mode : {AckMode::before_processing, AckMode::after_processing}) {
    ConsumerConfig c;
    c.ack = mode;
    c.group = "g";
    c.topic = "orders";
    c.broker = NodeId{1};
    Consumer consumer(&c);
    Output out;
    bool const before = mode == AckMode::before_processing;
    consumer.on_message(NodeId{1}, Delivered{MessageId{3}, Offset{0}, 11, false}, out);
    CHECK(sent<Acked>(out).size() == (before ? 1u : 0u));
    // ok deliver, [ok ack,] invoke process: an ack is recorded as it leaves.
    REQUIRE(out.observed().size() == (before ? 3u : 2u));
    if (before) {
      CHECK(out.observed()[1].op.f == history::OpKind::ack);
      CHECK(out.observed()[1].op.value.at(0).id == MessageId{3});
    }
    CHECK(out.observed().back().on_crash == history::OpType::fail);
    out.clear();
    consumer.on_timer(0, out);
    CHECK(sent<Acked>(out).size() == (before ? 0u : 1u));
    REQUIRE(out.observed().size() == (before ? 1u : 2u));  // ok process, [ok ack].
    CHECK(out.observed()[0].op.type == history::OpType::ok);
    CHECK(out.observed()[0].op.f == history::OpKind::process);
    if (!before) CHECK(out.observed()[1].op.f == history::OpKind::ack);
  }
}

}  // namespace
}  // namespace mqcheck::model::reference

namespace mqcheck::model::reference {
namespace {

template <class Actor>
std::uint64_t digest(Actor const& a) {
  Hasher h;
  a.hash_into(h);
  return h.digest();
}

TEST_CASE("actor states are values: copies compare and hash equal, steps change both",
          "[reference][state]") {
  BrokerConfig const c = broker_config(false);
  Broker b(&c);
  Output out;
  b.on_start(out);
  Broker const copy = b;
  CHECK(copy == b);
  CHECK(digest(copy) == digest(b));
  b.on_message(NodeId{0}, Publish{MessageId{1}}, out);
  CHECK_FALSE(copy == b);
  CHECK(digest(copy) != digest(b));
  Broker again = copy;
  again.on_message(NodeId{0}, Publish{MessageId{1}}, out);
  CHECK(again == b);  // The same input from the same state gives the same state.
  CHECK(digest(again) == digest(b));

  ConsumerConfig cc;
  cc.broker = NodeId{1};
  Consumer k(&cc);
  Consumer const k0 = k;
  k.on_message(NodeId{1}, Delivered{MessageId{3}, Offset{0}, 11, false}, out);
  CHECK(digest(k) != digest(k0));
  ProducerConfig pc;
  pc.messages = 2;
  Producer p(&pc);
  Producer const p0 = p;
  p.on_timer(0, out);
  CHECK(digest(p) != digest(p0));
  CHECK_FALSE(p == p0);
}

}  // namespace
}  // namespace mqcheck::model::reference
