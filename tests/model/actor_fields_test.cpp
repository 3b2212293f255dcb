// SPDX-License-Identifier: Apache-2.0
// A tripwire for the actors whose operator== lists their fields by hand. The explorer takes an
// equal actor as an unchanged one (explore/inert_steps.hpp) and keeps one of two equal states,
// so a field left out of operator== (or of hash_into) makes a search merge states that differ:
// unsound, silently. These sizes change when a field is added or removed; when one fails, check
// that the class's operator== and hash_into cover every field, then update the size here.
// (Classes whose operator== is defaulted are complete by construction and are not listed.)
#include <catch2/catch.hpp>
#include <cstddef>

#include "model/kafka/model.hpp"
#include "model/reference/model.hpp"

namespace mqcheck::model {

TEST_CASE("actors with a hand-written operator== have the fields it was written for",
          "[model][equality]") {
  INFO("a field was added or removed: make operator== and hash_into cover it, then update");
  CHECK(sizeof(kafka::Broker) == 296);
  CHECK(sizeof(kafka::Producer) == 920);
  CHECK(sizeof(kafka::Consumer) == 1176);
  CHECK(sizeof(kafka::Controller) == 200);
  CHECK(sizeof(reference::Broker) == 208);
  CHECK(sizeof(reference::Producer) == 64);
  CHECK(sizeof(reference::Consumer) == 120);
}

}  // namespace mqcheck::model
