// SPDX-License-Identifier: Apache-2.0
// Kafka retention on the partition log as plain data (issue 4): segments rolled by
// segment.bytes and segment.ms, time and size retention deleting whole segments below the HW
// (Log.deletableSegments), the log start offset, the follower's restart below its leader's
// log start, ListOffsets by timestamp (offsetsForTimes), and the retention keys' parsing.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "core/input_error.hpp"
#include "model/kafka/partition_log.hpp"

namespace mqcheck::model::kafka {
namespace {

LogRecord rec(std::uint64_t id) {
  LogRecord r;
  r.id = MessageId{id};
  return r;
}

Retention policy(std::int64_t retention_ms, std::int64_t retention_bytes,
                 std::int64_t segment_bytes, std::int64_t segment_ms) {
  return Retention{retention_ms, retention_bytes, segment_bytes, segment_ms};
}

ConfigValue value(std::string text, int line) {
  ConfigValue v;
  v.text = std::move(text);
  v.mark = SourceMark{"t.yaml", line, 1};
  return v;
}

// Appends one record at each of `times` (ms) and moves the HW to the end.
void append_at(PartitionLog& log, std::initializer_list<std::int64_t> times) {
  static std::uint64_t next = 1;
  for (std::int64_t t : times) {
    log.set_clock(t);
    log.append(rec(next++));
  }
  log.advance_hw(log.leo());
}

TEST_CASE("records are stamped with the replica's clock unless already stamped", "[kafka]") {
  PartitionLog log;
  log.set_clock(40);
  log.append(rec(1));
  LogRecord copied = rec(2);
  copied.timestamp = 7;  // A follower keeps its leader's stamp.
  log.append(copied);
  CHECK(log.at(Offset{0}).timestamp == 40);
  CHECK(log.at(Offset{1}).timestamp == 7);
}

TEST_CASE("segments roll when a record would overflow segment.bytes", "[kafka]") {
  PartitionLog log;
  log.configure(policy(-1, -1, 3 * log_record_bytes, 1'000'000));
  append_at(log, {0, 0, 0, 0, 0, 0, 0});
  REQUIRE(log.segments().size() == 3);
  CHECK(log.segments()[0].base == Offset{0});
  CHECK(log.segments()[1].base == Offset{3});
  CHECK(log.segments()[2].base == Offset{6});
  CHECK(log.segments()[2].bytes == log_record_bytes);
}

TEST_CASE("segments roll on append once the active one is older than segment.ms", "[kafka]") {
  PartitionLog log;
  log.configure(policy(-1, -1, 1 << 30, 10));
  append_at(log, {0, 5, 10});  // 10 - 0 is not > 10: same segment.
  CHECK(log.segments().size() == 1);
  append_at(log, {11});  // 11 - 0 > 10: rolls before appending.
  REQUIRE(log.segments().size() == 2);
  CHECK(log.segments()[1].base == Offset{3});
  log.set_clock(100);  // Time alone never rolls: only an append does.
  CHECK(log.segments().size() == 2);
}

TEST_CASE("time retention deletes closed segments older than retention.ms", "[kafka]") {
  PartitionLog log;
  log.configure(policy(50, -1, 1 << 30, 10));
  append_at(log, {0, 5, 20, 25, 40});  // Segments [0,2) max 5, [2,4) max 25, [4,5) max 40.
  REQUIRE(log.segments().size() == 3);
  log.set_clock(55);  // 55 - 5 = 50 is not > 50.
  CHECK(log.delete_old_segments().reason == RetentionReason::none);
  log.set_clock(76);  // 76 - 5 > 50 and 76 - 25 > 50; 76 - 40 is not.
  Deleted const d = log.delete_old_segments();
  CHECK(d.reason == RetentionReason::time);
  CHECK(d.from == Offset{0});
  CHECK(d.to == Offset{4});
  REQUIRE(d.records.size() == 4);
  CHECK(d.records[3].timestamp == 25);
  CHECK(log.log_start() == Offset{4});
  CHECK(log.leo() == Offset{5});
  CHECK(log.at(Offset{4}).timestamp == 40);
  CHECK(log.list_offset(earliest_timestamp) == Offset{4});
}

TEST_CASE("retention never deletes at or above the HW", "[kafka]") {
  // Two one-record segments, the HW at 1: only the first lies wholly below it.
  PartitionLog low;
  low.configure(policy(10, -1, 1 << 30, 10));
  low.append(rec(100));
  low.set_clock(20);
  low.append(rec(101));
  low.advance_hw(Offset{1});
  low.set_clock(1000);
  CHECK(low.delete_old_segments().to == Offset{1});
  CHECK(low.log_start() == Offset{1});
  CHECK(low.leo() == Offset{2});

  // Everything eligible and below the HW: Kafka rolls a new empty segment and deletes all.
  PartitionLog all;
  all.configure(policy(10, -1, 1 << 30, 10));
  append_at(all, {0, 20, 40});
  all.set_clock(1000);
  CHECK(all.delete_old_segments().to == Offset{3});
  CHECK(all.log_start() == Offset{3});
  CHECK(all.leo() == Offset{3});
  REQUIRE(all.segments().size() == 1);
  CHECK(all.segments()[0].bytes == 0);
  CHECK(all.delete_old_segments().to == Offset{3});  // An empty last segment stays.
}

TEST_CASE("size retention deletes the oldest segments while the rest still exceed it",
          "[kafka]") {
  PartitionLog log;
  log.configure(policy(-1, 3 * log_record_bytes, 2 * log_record_bytes, 1'000'000));
  append_at(log, {0, 0, 0, 0, 0, 0, 0});  // Segments of 2, 2, 2, 1 records: 7 records.
  REQUIRE(log.segments().size() == 4);
  Deleted const d = log.delete_old_segments();
  // diff = 7 - 3 = 4 records: the first two segments (2 + 2) go, the third would overshoot.
  CHECK(d.reason == RetentionReason::size);
  CHECK(d.to == Offset{4});
  CHECK(log.log_start() == Offset{4});
  CHECK(log.delete_old_segments().to == Offset{4});  // 3 records left: nothing more.
}

TEST_CASE("offsetsForTimes: the earliest offset whose timestamp is at or after the target",
          "[kafka]") {
  PartitionLog log;
  append_at(log, {0, 10, 10, 20, 30});
  CHECK(log.list_offset(10) == Offset{1});
  CHECK(log.list_offset(11) == Offset{3});
  CHECK(log.list_offset(0) == Offset{0});
  CHECK(log.list_offset(31) == Offset{-1});  // None: offsetsForTimes answers null.
  CHECK(log.list_offset(latest_timestamp) == log.hw());
  CHECK(log.list_offset(earliest_timestamp) == Offset{0});
  CHECK(log.offset_for_timestamp(30, Offset{4}) == Offset{-1});  // Only below the limit.
}

TEST_CASE("a follower below its leader's log start restarts its log there", "[kafka]") {
  PartitionLog follower;
  append_at(follower, {0, 1});
  follower.reset_to(Offset{12});
  CHECK(follower.log_start() == Offset{12});
  CHECK(follower.leo() == Offset{12});
  CHECK(follower.hw() == Offset{12});
  CHECK(follower.disk_base() == Offset{12});
  follower.append(rec(500));
  CHECK(follower.at(Offset{12}).id == MessageId{500});
  follower.truncate(Offset{5});  // Below the log start: restart there.
  CHECK(follower.log_start() == Offset{5});
  CHECK(follower.leo() == Offset{5});
}

TEST_CASE("recovery drops what the checkpointed log start says was deleted", "[kafka]") {
  PartitionLog log;
  append_at(log, {0, 1, 2, 3});
  log.advance_start(Offset{2});
  CHECK(log.log_start() == Offset{2});
  CHECK(log.leo() == Offset{4});
  CHECK(log.records().size() == 2);
  log.advance_start(Offset{1});  // Never backwards.
  CHECK(log.log_start() == Offset{2});
}

TEST_CASE("retention keys: defaults by version, precedence and KIP-1030's minimum", "[kafka]") {
  Version const v37{3, 7};
  Version const v40{4, 0};
  ConfigMap none;
  ClusterConfig const c = parse_cluster_config(none, v40, {"t.yaml", 1, 1});
  CHECK(c.retention.retention_ms == 168LL * 3'600'000);
  CHECK(c.retention.retention_bytes == -1);
  CHECK(c.retention.segment_bytes == 1LL << 30);
  CHECK(c.retention_check_interval == milliseconds(300'000));
  CHECK_FALSE(c.retention_keys_set);

  ConfigMap keys;
  keys["log.retention.hours"] = value("1", 2);
  keys["log.retention.minutes"] = value("2", 3);
  ClusterConfig const m = parse_cluster_config(keys, v37, {"t.yaml", 1, 1});
  CHECK(m.retention.retention_ms == 120'000);  // minutes win over hours.
  CHECK(m.retention_keys_set);

  ConfigMap small;
  small["log.segment.bytes"] = value("1000", 4);
  CHECK(parse_cluster_config(small, v37, {"t.yaml", 1, 1}).retention.segment_bytes == 1000);
  CHECK_THROWS_WITH(parse_cluster_config(small, v40, {"t.yaml", 1, 1}),
                    Catch::Contains("KIP-1030"));

  ConfigMap topic;
  topic["retention.ms"] = value("100", 5);
  topic["segment.ms"] = value("20", 6);
  PartitionInfo info;
  parse_topic_config(topic, "topics[0].config", {"t.yaml", 5, 1}, m, info);
  CHECK(info.retention.retention_ms == 100);
  CHECK(info.retention.segment_ms == 20);
  CHECK(info.retention.segment_bytes == m.retention.segment_bytes);

  ConfigMap typo;
  typo["retention.msec"] = value("100", 7);
  CHECK_THROWS_WITH(parse_topic_config(typo, "topics[0].config", {"t.yaml", 7, 1}, m, info),
                    Catch::Contains("retention.ms"));
}

}  // namespace
}  // namespace mqcheck::model::kafka
