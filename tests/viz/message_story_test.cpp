// SPDX-License-Identifier: Apache-2.0
// The story of one message (viz/message_story.hpp): every op naming it in order, the faults
// in between and the next ones after its last mention, and where it was when that is another
// topic than its home (a retry topic's or dead-letter topic's copy).
#include "viz/message_story.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "tests/viz/viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using test::add;
using test::History;
using test::OpKind;
using test::OpType;
using test::rec;
using test::Record;

Record story_record(std::uint64_t id, std::string topic, std::int32_t partition,
                    std::int64_t offset) {
  return Record::of(MessageId{id}, std::move(topic), Offset{offset}, partition);
}

// m7 fails on orders, is forwarded to orders-retry-100 partition 1, and succeeds there; m8 is
// never named after op 1; a crash strikes between and after.
History forwarded_history() {
  History h(test::drained_header());
  add(h, 0, "p1", OpType::invoke, OpKind::send, {rec(7)});
  add(h, 10, "p1", OpType::ok, OpKind::send, {story_record(7, "orders", 0, 3), rec(8, 4)});
  add(h, 20, "billing-0", OpType::fail, OpKind::process, {story_record(7, "orders", 0, 3)},
      "billing");
  add(h, 30, "broker-1", OpType::event, OpKind::crash, {}, {}, "volatile state lost");
  add(h, 40, "billing-0", OpType::invoke, OpKind::send, {rec(7, {}, "orders-retry-100")});
  add(h, 50, "billing-0", OpType::ok, OpKind::send, {story_record(7, "orders-retry-100", 1, 0)});
  add(h, 60, "billing-retry-100-0", OpType::ok, OpKind::process, {rec(7)}, "billing");
  add(h, 70, "p1", OpType::ok, OpKind::send, {rec(9, 5)});
  add(h, 80, "broker-1", OpType::event, OpKind::restart);
  return h;
}

}  // namespace

TEST_CASE("a message's story names the ops about it, the faults, and other topics",
          "[viz][story]") {
  std::string const story = render_message_story(forwarded_history(), MessageId{7});
  CHECK_THAT(story, Catch::Contains("#1 ") && Catch::Contains("p1           ok send offset 3"));
  CHECK_THAT(story, Catch::Contains("broker-1     event crash"));
  CHECK_THAT(story, Catch::Contains("invoke send in orders-retry-100\n"));
  CHECK_THAT(story, Catch::Contains("ok send in orders-retry-100-1 offset 0"));
  CHECK_THAT(story, Catch::Contains("ok process group billing"));
  CHECK_THAT(story, !Catch::Contains("in orders ") && !Catch::Contains("in orders-0"));
  CHECK_THAT(story, !Catch::Contains("#7 "));           // m9's send: not m7's.
  CHECK_THAT(story, Catch::Contains("event restart"));  // The first fault after the last mention.

  std::string const other = render_message_story(forwarded_history(), MessageId{8});
  CHECK_THAT(other, Catch::Contains("ok send offset 4") && !Catch::Contains("#2 "));
  CHECK_THAT(render_message_story(forwarded_history(), MessageId{99}),
             Catch::Contains("no op names message 99"));
}

}  // namespace mqcheck::viz
