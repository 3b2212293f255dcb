// SPDX-License-Identifier: Apache-2.0
// Out keeps its recorded ops between steps and reuses their buffers: an op recorded in a later
// step must not inherit anything the slot's earlier op held (records, group, detail, txn,
// tenant, principal), whichever way it is recorded (by value or in place).
#include "model/common/out.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace mqcheck::model {
namespace {

using history::OpKind;
using history::OpType;
using history::Record;
using TestOut = Out<int, int>;

Record out_test_record(std::uint64_t id) { return Record::of(MessageId{id}, "orders"); }

// Fills every text of the step's first op, as the kernel, a transactional session and the
// principal tag (model/kafka/acl.hpp) do.
void out_test_dirty(TestOut& out) {
  history::Op& op = out.observed()[0].op;
  op.index = 9;
  op.time = SimTimeUs{5};
  op.txn = "a transactional id longer than sixteen";
  op.tenant = "vhost";
  op.principal = "User:alice";
}

TEST_CASE("an op recorded after clear() starts empty, whatever its slot held", "[out]") {
  TestOut out;
  out.complete(OpType::ok, OpKind::process, {out_test_record(1), out_test_record(2)},
               "a group name longer than sixteen", "a detail longer than sixteen characters");
  out_test_dirty(out);
  out.clear();
  CHECK(out.observed().empty());

  out.invoke(OpKind::poll, {});
  REQUIRE(out.observed().size() == 1);
  history::Op const& op = out.observed()[0].op;
  CHECK(op.type == OpType::invoke);
  CHECK(op.f == OpKind::poll);
  CHECK(op.value.empty());
  CHECK(op.group.empty());
  CHECK(op.detail.empty());
  CHECK(op.txn.empty());
  CHECK(op.tenant.empty());
  CHECK(op.principal.empty());
  CHECK(op.index == 0);
  CHECK(op.time == SimTimeUs{});
  CHECK(out.observed()[0].on_crash == OpType::info);
}

TEST_CASE("ops recorded in place hold exactly what the caller wrote", "[out]") {
  TestOut out;
  out.event(OpKind::append, {out_test_record(1), out_test_record(2), out_test_record(3)},
            "leader orders-0 epoch 1");
  out.invoke(OpKind::send, {out_test_record(4)}, "", OpType::fail);
  out_test_dirty(out);
  out.clear();

  history::Op& event = out.event_in_place(OpKind::replicate);
  event.value.push_back(out_test_record(7));
  event.detail += "fetched";
  history::Op& done = out.complete_in_place(OpType::ok, OpKind::process, "billing", "late");
  done.value.push_back(out_test_record(8));
  out.invoke_in_place(OpKind::commit, "billing", OpType::fail);

  auto const observed = out.observed();
  REQUIRE(observed.size() == 3);
  CHECK(observed[0].op.type == OpType::event);
  CHECK(observed[0].op.value == std::vector<Record>{out_test_record(7)});
  CHECK(observed[0].op.detail == "fetched");  // Not the slot's old detail plus "fetched".
  CHECK(observed[0].op.txn.empty());
  CHECK(observed[0].op.principal.empty());
  CHECK(observed[1].op.type == OpType::ok);
  CHECK(observed[1].op.value == std::vector<Record>{out_test_record(8)});
  CHECK(observed[1].op.group == "billing");
  CHECK(observed[1].op.detail == "late");
  CHECK(observed[1].on_crash == OpType::info);  // Not the slot's old fail.
  CHECK(observed[2].op.type == OpType::invoke);
  CHECK(observed[2].op.value.empty());
  CHECK(observed[2].on_crash == OpType::fail);
}

TEST_CASE("an empty record list given by value leaves no old records behind", "[out]") {
  TestOut out;
  out.complete(OpType::ok, OpKind::poll, {out_test_record(1)}, "billing");
  out.clear();
  out.complete(OpType::ok, OpKind::poll, {}, "billing");
  CHECK(out.observed()[0].op.value.empty());
}

}  // namespace
}  // namespace mqcheck::model
