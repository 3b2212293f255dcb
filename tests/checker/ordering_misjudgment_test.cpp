// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_misjudgment_test.cpp (tests, layer: checker)
// Ordering verdicts that were wrong on legitimate Kafka behaviour, each pinned by a tiny
// hand-written history with its near miss (which must still be caught): a read_committed
// consumer skipping aborted data; a consume-transform-produce consumer re-reading after it
// aborted; producer order judged on offsets an acks=1 truncation took away.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "history/history_io.hpp"

namespace mqcheck::checker {
namespace {

using history::History;

History parse(std::string const& header, std::vector<std::string> const& ops) {
  std::string text = header + "\n";
  for (std::size_t i = 0; i < ops.size(); ++i)
    text += R"({"index":)" + std::to_string(i) + R"(,"time":)" + std::to_string(i) + "," +
            ops[i] + "\n";
  std::istringstream in(text);
  return history::read_history(in, "misjudgment.jsonl");
}

/// Returns the anomaly kinds of the ordering verdict (streaming and whole must agree).
std::vector<std::string> ordering_kinds(History const& h) {
  DeliveryReport const report = check_history(h);
  CHECK(check_streaming(h.header(), ops_of(h), [&] { return h; }) == report);
  std::vector<std::string> kinds;
  for (Verdict const& v : report.verdicts) {
    if (v.guarantee != "ordering") continue;
    for (Anomaly const& a : v.anomalies) kinds.push_back(a.kind);
  }
  return kinds;
}

std::string const header_rc =
    R"({"mqcheck-history":1,"subscriptions":{"tx":["rc"]},"ordering":{"tx":"partition"},)"
    R"("groups":{"rc":{"isolation":"ISOLATION"}}})";

std::string with(std::string text, std::string const& isolation) {
  text.replace(text.find("ISOLATION"), 9, isolation);
  return text;
}

TEST_CASE("a read_committed consumer skipping aborted data and markers is no poll-skip",
          "[checker][ordering][misjudgment]") {
  // Message 10 sits at offset 0; transaction p1/1 writes message 1 at offset 1 and aborts
  // (its txn-abort names nothing, as the simulator writes it), its abort marker takes offset
  // 2; message 2 sits at offset 3. c1 polls offset 0, then offset 3.
  std::vector<std::string> ops = {
      R"("process":"p0","type":"invoke","f":"send","value":[{"id":10,"topic":"tx"}]})",
      R"("process":"p0","type":"ok","f":"send","value":[{"id":10,"topic":"tx","partition":0,)"
          R"("offset":0}]})",
      R"("process":"p1","type":"invoke","f":"send","txn":"p1/1","value":[{"id":1,"topic":"tx"}]})",
      R"("process":"p1","type":"ok","f":"send","txn":"p1/1","value":[{"id":1,"topic":"tx",)"
          R"("partition":0,"offset":1}]})",
      R"("process":"p1","type":"invoke","f":"txn-abort","txn":"p1/1"})",
      R"("process":"p1","type":"ok","f":"txn-abort","txn":"p1/1"})",
      R"("process":"p1","type":"invoke","f":"send","value":[{"id":2,"topic":"tx"}]})",
      R"("process":"p1","type":"ok","f":"send","value":[{"id":2,"topic":"tx","partition":0,)"
          R"("offset":3}]})",
      R"("process":"c1","type":"invoke","f":"poll","group":"rc"})",
      R"("process":"c1","type":"ok","f":"poll","group":"rc","value":[{"id":10,"topic":"tx",)"
          R"("partition":0,"offset":0}]})",
      R"("process":"c1","type":"invoke","f":"poll","group":"rc"})",
      R"("process":"c1","type":"ok","f":"poll","group":"rc","value":[{"id":2,"topic":"tx",)"
          R"("partition":0,"offset":3}]})",
      R"("process":"c1","type":"invoke","f":"process","group":"rc","value":[{"id":10,)"
          R"("topic":"tx"},{"id":2,"topic":"tx"}]})",
      R"("process":"c1","type":"ok","f":"process","group":"rc","value":[{"id":10,"topic":"tx"},)"
          R"({"id":2,"topic":"tx"}]})",
  };
  // read_committed: offset 1 is aborted message 1, offset 2 its abort marker: a legal skip.
  CHECK(ordering_kinds(parse(with(header_rc, "read-committed"), ops)).empty());
  // Near miss: read_uncommitted consumers are handed aborted data, so skipping it is a gap.
  CHECK(ordering_kinds(parse(with(header_rc, "read-uncommitted"), ops)) ==
        std::vector<std::string>{"poll-skip"});
  // Near miss: the transaction committed, so message 1 must be read.
  std::vector<std::string> committed = ops;
  committed[4] = R"("process":"p1","type":"invoke","f":"txn-commit","txn":"p1/1"})";
  committed[5] = R"("process":"p1","type":"ok","f":"txn-commit","txn":"p1/1"})";
  CHECK(ordering_kinds(parse(with(header_rc, "read-committed"), committed)) ==
        std::vector<std::string>{"poll-skip"});
}

TEST_CASE("re-reading after an aborted transaction is a seek back, no nonmonotonic-poll",
          "[checker][ordering][misjudgment]") {
  // c1 reads offset 0 and 1, processes them and writes outputs in txn c1/1, which aborts;
  // the application seeks back to its committed offset 0 and reads both again.
  std::string const header =
      R"({"mqcheck-history":1,"subscriptions":{"in":["g"]},"ordering":{"in":"partition"}})";
  std::vector<std::string> ops = {
      R"("process":"p1","type":"invoke","f":"send","value":[{"id":1,"topic":"in"},{"id":2,)"
          R"("topic":"in"}]})",
      R"("process":"p1","type":"ok","f":"send","value":[{"id":1,"topic":"in","partition":0,)"
          R"("offset":0},{"id":2,"topic":"in","partition":0,"offset":1}]})",
      R"("process":"c1","type":"invoke","f":"poll","group":"g"})",
      R"("process":"c1","type":"ok","f":"poll","group":"g","value":[{"id":1,"topic":"in",)"
          R"("partition":0,"offset":0},{"id":2,"topic":"in","partition":0,"offset":1}]})",
      R"("process":"c1","type":"invoke","f":"txn-abort","txn":"c1/1"})",
      R"("process":"c1","type":"ok","f":"txn-abort","txn":"c1/1"})",
      R"("process":"c1","type":"invoke","f":"poll","group":"g"})",
      R"("process":"c1","type":"ok","f":"poll","group":"g","value":[{"id":1,"topic":"in",)"
          R"("partition":0,"offset":0},{"id":2,"topic":"in","partition":0,"offset":1}]})",
      R"("process":"c1","type":"invoke","f":"process","group":"g","value":[{"id":1,)"
          R"("topic":"in"},{"id":2,"topic":"in"}]})",
      R"("process":"c1","type":"ok","f":"process","group":"g","value":[{"id":1,"topic":"in"},)"
          R"({"id":2,"topic":"in"}]})",
  };
  CHECK(ordering_kinds(parse(header, ops)).empty());
  // A failed commit aborts too.
  std::vector<std::string> failed = ops;
  failed[4] = R"("process":"c1","type":"invoke","f":"txn-commit","txn":"c1/1"})";
  failed[5] = R"("process":"c1","type":"fail","f":"txn-commit","txn":"c1/1"})";
  CHECK(ordering_kinds(parse(header, failed)).empty());
  // Near miss: a committed transaction moves nothing back, so re-reading is nonmonotonic.
  std::vector<std::string> committed = failed;
  committed[5] = R"("process":"c1","type":"ok","f":"txn-commit","txn":"c1/1"})";
  CHECK(ordering_kinds(parse(header, committed)) ==
        std::vector<std::string>{"nonmonotonic-poll"});
  // Near miss: another process's abort does not move c1.
  std::vector<std::string> other = ops;
  other[4] = R"("process":"c2","type":"invoke","f":"txn-abort","txn":"c2/1"})";
  other[5] = R"("process":"c2","type":"ok","f":"txn-abort","txn":"c2/1"})";
  CHECK(ordering_kinds(parse(header, other)) == std::vector<std::string>{"nonmonotonic-poll"});
}

TEST_CASE("producer order is judged on offsets that still exist after an acks=1 truncation",
          "[checker][ordering][misjudgment]") {
  // p1 sends 1 and 2; the leader acknowledges them at offsets 0 and 1 (acks=1) and fails
  // before replicating them. The new leader's log ends at 0: p1's next send, 3, gets offset 0
  // again. A consumer reads 3 at offset 0 and 4 at offset 1. Messages 1 and 2 are lost
  // (at-least-once's business), and 2's offset 1 no longer exists: no `reordered`.
  std::string const header =
      R"({"mqcheck-history":1,"subscriptions":{"t":["g"]},"ordering":{"t":"partition"}})";
  std::vector<std::string> ops = {
      R"("process":"p1","type":"invoke","f":"send","value":[{"id":1,"topic":"t"}]})",
      R"("process":"p1","type":"ok","f":"send","value":[{"id":1,"topic":"t","partition":0,)"
          R"("offset":0}]})",
      R"("process":"p1","type":"invoke","f":"send","value":[{"id":2,"topic":"t"}]})",
      R"("process":"p1","type":"ok","f":"send","value":[{"id":2,"topic":"t","partition":0,)"
          R"("offset":1}]})",
      R"("process":"broker-0","type":"event","f":"crash"})",
      R"("process":"p1","type":"invoke","f":"send","value":[{"id":3,"topic":"t"}]})",
      R"("process":"p1","type":"ok","f":"send","value":[{"id":3,"topic":"t","partition":0,)"
          R"("offset":0}]})",
      R"("process":"c1","type":"invoke","f":"poll","group":"g"})",
      R"("process":"c1","type":"ok","f":"poll","group":"g","value":[{"id":3,"topic":"t",)"
          R"("partition":0,"offset":0}]})",
      R"("process":"c1","type":"invoke","f":"process","group":"g","value":[{"id":3,"topic":"t"}]})",
      R"("process":"c1","type":"ok","f":"process","group":"g","value":[{"id":3,"topic":"t"}]})",
  };
  // Offset 0 is claimed by two messages: the log disagrees with itself, as Jepsen reports it.
  // But 2 (sent before 3, acknowledged at offset 1 > 0) is no reordering: offset 1 is gone.
  CHECK(ordering_kinds(parse(header, ops)) == std::vector<std::string>{"inconsistent-offsets"});
  // Near miss: without the truncation (3 at offset 2), nothing is wrong at all...
  std::vector<std::string> plain = ops;
  plain[6] = R"("process":"p1","type":"ok","f":"send","value":[{"id":3,"topic":"t",)"
      R"("partition":0,"offset":2}]})";
  plain[8] = R"("process":"c1","type":"ok","f":"poll","group":"g","value":[{"id":3,"topic":"t",)"
      R"("partition":0,"offset":2}]})";
  CHECK(ordering_kinds(parse(header, plain)).empty());
  // ...and a broker that stores 3 before 2 with no truncation is still `reordered`.
  std::vector<std::string> swapped = plain;
  swapped[3] = R"("process":"p1","type":"ok","f":"send","value":[{"id":2,"topic":"t",)"
      R"("partition":0,"offset":3}]})";
  CHECK(ordering_kinds(parse(header, swapped)) == std::vector<std::string>{"reordered"});
}

}  // namespace
}  // namespace mqcheck::checker
