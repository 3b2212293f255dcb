// SPDX-License-Identifier: Apache-2.0
// Transactions in the Kafka partition log (KIP-98): the last stable offset, the
// aborted-transaction index, producer-epoch fencing, and that a truncation rebuilds them all.
#include <catch2/catch.hpp>

#include "model/kafka/partition_log.hpp"

namespace mqcheck::model::kafka {
namespace {

constexpr std::uint64_t pid = 7;

LogRecord data(std::uint64_t id, std::uint64_t producer, std::int32_t seq,
               std::int32_t producer_epoch = 0, bool transactional = true) {
  LogRecord r;
  r.id = MessageId{id};
  r.producer = producer;
  r.sequence = seq;
  r.producer_epoch = producer_epoch;
  r.transactional = transactional;
  return r;
}

LogRecord marker(std::uint64_t producer, Control c, std::int32_t producer_epoch = 0) {
  LogRecord r;
  r.producer = producer;
  r.producer_epoch = producer_epoch;
  r.transactional = true;
  r.control = c;
  return r;
}

TEST_CASE("the LSO stops at the first offset of the earliest open transaction", "[kafka][txn]") {
  PartitionLog log;
  log.append(data(1, 0, -1, 0, false));  // Non-transactional: never holds the LSO back.
  log.append(data(2, pid, 0));           // pid's transaction opens at offset 1.
  log.append(data(3, 9, 0));             // Another producer's, at 2.
  log.advance_hw(Offset{3});
  CHECK(log.lso() == Offset{1});
  CHECK(log.in_transaction(pid));
  log.append(marker(pid, Control::commit));  // Offset 3 closes pid's transaction.
  log.advance_hw(Offset{4});
  CHECK(log.lso() == Offset{2});  // Now producer 9's transaction holds it.
  CHECK_FALSE(log.in_transaction(pid));
  log.append(marker(9, Control::commit));
  log.advance_hw(Offset{5});
  CHECK(log.lso() == Offset{5});  // Nothing open: the LSO is the HW.
}

TEST_CASE("the LSO never passes the HW", "[kafka][txn]") {
  PartitionLog log;
  log.append(data(1, pid, 0));
  log.append(marker(pid, Control::commit));
  CHECK(log.lso() == Offset{0});  // HW 0: nothing is stable yet.
}

TEST_CASE("an ABORT marker enters the aborted-transaction index", "[kafka][txn]") {
  PartitionLog log;
  log.append(data(1, pid, 0));               // 0
  log.append(data(2, pid, 1));               // 1
  log.append(marker(pid, Control::abort));   // 2
  log.append(data(3, pid, 2));               // 3: a new transaction
  log.append(marker(pid, Control::commit));  // 4
  log.advance_hw(Offset{5});
  auto const all = log.aborted_between(Offset{0}, Offset{5});
  REQUIRE(all.size() == 1);
  CHECK(all[0].producer == pid);
  CHECK(all[0].first == Offset{0});
  CHECK(log.aborted_between(Offset{1}, Offset{2}).size() == 1);  // Overlaps its middle.
  CHECK(log.aborted_between(Offset{3}, Offset{5}).empty());      // After its marker.
}

TEST_CASE("an older producer epoch is fenced, a newer one starts from sequence 0", "[kafka][txn]") {
  PartitionLog log;
  Offset original{-1};
  log.append(data(1, pid, 0, 3));
  CHECK(log.check_sequence(pid, 3, 1, original) == SequenceCheck::append);
  CHECK(log.check_sequence(pid, 2, 1, original) == SequenceCheck::fenced);
  CHECK(log.check_sequence(pid, 4, 0, original) == SequenceCheck::append);
  CHECK(log.check_sequence(pid, 4, 1, original) == SequenceCheck::out_of_order);
  // A marker with a bumped epoch (InitProducerId fencing a zombie) fences epoch 3 here too.
  log.append(marker(pid, Control::abort, 4));
  CHECK(log.check_sequence(pid, 3, 1, original) == SequenceCheck::fenced);
  CHECK(log.check_sequence(pid, 4, 0, original) == SequenceCheck::append);
}

TEST_CASE("a truncation rebuilds the open transactions and the aborted index", "[kafka][txn]") {
  PartitionLog log;
  log.append(data(1, pid, 0));
  log.append(marker(pid, Control::abort));
  log.append(data(2, pid, 1));
  log.advance_hw(Offset{3});
  CHECK(log.lso() == Offset{2});
  log.truncate(Offset{2});  // The open transaction's record is gone.
  CHECK_FALSE(log.in_transaction(pid));
  CHECK(log.lso() == Offset{2});
  CHECK(log.aborted_between(Offset{0}, Offset{2}).size() == 1);
  log.truncate(Offset{1});  // The ABORT marker is gone: the transaction is open again.
  CHECK(log.in_transaction(pid));
  CHECK(log.lso() == Offset{0});
  CHECK(log.aborted_between(Offset{0}, Offset{1}).empty());
}

TEST_CASE("logs differing only in a transaction field differ and hash apart", "[kafka][txn]") {
  PartitionLog a, b;
  a.append(data(1, pid, 0, 0, true));
  b.append(data(1, pid, 0, 0, false));
  CHECK_FALSE(a == b);
  Hasher ha, hb;
  a.hash_into(ha);
  b.hash_into(hb);
  CHECK(ha.digest() != hb.digest());
  PartitionLog c, d;
  c.append(marker(pid, Control::commit));
  d.append(marker(pid, Control::abort));
  CHECK_FALSE(c == d);
  Hasher hc, hd;
  c.hash_into(hc);
  d.hash_into(hd);
  CHECK(hc.digest() != hd.digest());
}

}  // namespace
}  // namespace mqcheck::model::kafka
