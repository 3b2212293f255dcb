// SPDX-License-Identifier: Apache-2.0
// The Kafka partition log as plain data: HW arithmetic, KIP-101 epoch end offsets and
// truncation, and the idempotent producer's sequence checks (KIP-98).
#include <catch2/catch.hpp>

#include "model/kafka/partition_log.hpp"
#include "model/kafka/producer.hpp"

namespace mqcheck::model::kafka {
namespace {

LogRecord rec(std::uint64_t id, std::int32_t epoch, std::uint64_t producer = 0,
              std::int32_t seq = -1) {
  LogRecord r;
  r.id = MessageId{id};
  r.epoch = epoch;
  r.producer = producer;
  r.sequence = seq;
  return r;
}

TEST_CASE("the HW never passes the LEO and never goes back", "[kafka]") {
  PartitionLog log;
  log.append(rec(1, 0));
  log.append(rec(2, 0));
  log.advance_hw(Offset{5});
  CHECK(log.hw() == Offset{2});
  log.advance_hw(Offset{1});
  CHECK(log.hw() == Offset{2});
  log.truncate(Offset{1});
  CHECK(log.hw() == Offset{1});
  CHECK(log.leo() == Offset{1});
}

TEST_CASE("KIP-101: an epoch ends where the next one starts", "[kafka]") {
  PartitionLog leader;
  leader.append(rec(1, 0));
  leader.append(rec(2, 0));
  leader.begin_epoch(2);  // A new leader of epoch 2 at offset 2, before it appends.
  leader.append(rec(3, 2));
  CHECK(leader.end_offset_for_epoch(0) == Offset{2});
  CHECK(leader.end_offset_for_epoch(1) == Offset{2});  // Epoch 1 never wrote here.
  CHECK(leader.end_offset_for_epoch(2) == Offset{3});  // The latest epoch ends at the LEO.
  CHECK(leader.end_offset_for_epoch(-1) == Offset{-1});

  // A deposed leader that appended 2 more records in epoch 0 truncates to offset 2.
  PartitionLog old;
  for (std::uint64_t id = 1; id <= 4; ++id) old.append(rec(id, 0));
  Offset const cut = leader.end_offset_for_epoch(old.last_epoch());
  CHECK(cut == Offset{2});
  old.truncate(cut);
  CHECK(old.leo() == Offset{2});
  CHECK(old.last_epoch() == 0);
}

TEST_CASE("sequence numbers: next appends, recent duplicates, gaps are out of order", "[kafka]") {
  PartitionLog log;
  Offset original{-1};
  CHECK(log.check_sequence(7, 0, 0, original) == SequenceCheck::append);
  CHECK(log.check_sequence(7, 0, 1, original) == SequenceCheck::unknown_producer);  // Not from 0.
  log.append(rec(1, 0, 7, 0));
  log.append(rec(2, 0, 7, 1));
  CHECK(log.check_sequence(7, 0, 2, original) == SequenceCheck::append);
  CHECK(log.check_sequence(7, 0, 0, original) == SequenceCheck::duplicate);
  CHECK(original == Offset{0});
  CHECK(log.check_sequence(7, 0, 3, original) == SequenceCheck::out_of_order);
  log.truncate(Offset{1});  // Producer state is rebuilt from the log.
  CHECK(log.check_sequence(7, 0, 1, original) == SequenceCheck::append);
}

TEST_CASE("murmur2 matches Kafka's Utils.murmur2", "[kafka]") {
  // Expected values from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/
  // kafka/common/utils/UtilsTest.java).
  CHECK(static_cast<std::int32_t>(murmur2("21")) == -973932308);
  CHECK(static_cast<std::int32_t>(murmur2("foobar")) == -790332482);
  CHECK(static_cast<std::int32_t>(murmur2("a-little-bit-long-string")) == -985981536);
  CHECK(static_cast<std::int32_t>(murmur2("a-little-bit-longer-string")) == -1486304829);
  CHECK(static_cast<std::int32_t>(murmur2("abc")) == 479470107);
}

}  // namespace
}  // namespace mqcheck::model::kafka
