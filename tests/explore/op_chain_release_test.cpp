// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/op_chain_release_test.cpp (tests, layer: explore)
// A World's recorded ops are a chain of shared nodes (explore/world.hpp, OpChain). Dropping a
// long path must not recurse once per node (500,000 ops overflowed an 8 MiB stack), and must
// leave the nodes another World still shares intact.
#include <pthread.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "explore/world.hpp"

namespace {

using mqcheck::explore::OpChain;
using Chain = std::shared_ptr<OpChain const>;

Chain appended(Chain older, std::uint64_t index) {
  mqcheck::history::Op op;
  op.index = index;
  op.process = "p1";
  return std::make_shared<OpChain const>(std::move(op), std::move(older));
}

// Runs `f` on a thread with a 256 KiB stack and waits for it; returns whether the thread ran.
// (It asserts nothing itself: a Catch assertion there would race with the runner.)
template <class F>
bool on_small_stack(F f) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  bool ran = pthread_attr_setstacksize(&attr, 256 * 1024) == 0;
  pthread_t thread;
  auto const run = [](void* arg) -> void* {
    (*static_cast<F*>(arg))();
    return nullptr;
  };
  ran = ran && pthread_create(&thread, &attr, run, &f) == 0;
  ran = ran && pthread_join(thread, nullptr) == 0;
  pthread_attr_destroy(&attr);
  return ran;
}

std::vector<std::uint64_t> indices(Chain const& chain) {
  std::vector<std::uint64_t> out;
  for (OpChain const* c = chain.get(); c != nullptr; c = c->prev.get()) out.push_back(c->op.index);
  return out;
}

}  // namespace

TEST_CASE("op chain: a long path is released without recursing once per op", "[explore]") {
  // 200,000 nodes: a release that recursed would need some 10 MB of stack; the thread has 256 KiB.
  bool released = false;
  REQUIRE(on_small_stack([&] {
    Chain chain;
    for (std::uint64_t k = 0; k < 200'000; ++k) chain = appended(std::move(chain), k);
    chain.reset();
    released = true;
  }));
  CHECK(released);
}

TEST_CASE("op chain: dropping a copy leaves the nodes another World shares", "[explore]") {
  Chain shared;
  for (std::uint64_t k = 0; k < 3; ++k) shared = appended(std::move(shared), k);
  Chain mine = appended(appended(shared, 10), 11);  // Two nodes of its own on the shared three.
  Chain other = appended(shared, 20);
  shared.reset();  // The shared nodes are now held through `mine` and `other` only.
  mine.reset();
  CHECK(indices(other) == std::vector<std::uint64_t>{20, 2, 1, 0});
  Chain again = appended(other, 21);
  other.reset();
  CHECK(indices(again) == std::vector<std::uint64_t>{21, 20, 2, 1, 0});
}
