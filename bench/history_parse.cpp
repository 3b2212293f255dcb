// SPDX-License-Identifier: Apache-2.0
// File: bench/history_parse.cpp
// Reading a history file: HistoryReader::next() over every op, and next(Op&) reusing one Op,
// against a baseline that only cuts the same file into lines with std::getline, measured in
// the same run. The history is generated here (N ops from argv, default 1,000,000):
// 4 producers send to 8 partitions of `orders` with keys; after each send, each of 2 groups
// (of 2 instances) polls a batch of 1 to 3 messages with offsets half of the time, processes
// each one and commits; and a broker event now and then. Prints ops per second for all three
// and the ratios of the readers to the baseline. A benchmark, not a test: nothing fails on
// timing.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>

#include "history/history_io.hpp"

namespace {

using namespace mqcheck;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

constexpr int producers = 4, partitions = 8, groups = 2, instances = 2, runs = 3;

// SplitMix64: a fixed sequence on every toolchain, so every run reads the same file.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t below(std::uint64_t bound) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (z ^ (z >> 31)) % bound;
  }
};

// Writes ops until `ops_total` have been written, in a plausible order of a simulated run.
class Generator {
 public:
  Generator(std::ostream& out, std::uint64_t ops_total)
      : writer_(out, header()), ops_total_(ops_total) {}

  void run() {
    while (written_ < ops_total_) {
      send();
      for (std::uint64_t group = 0; group < groups; ++group)  // Each keeps up, on average.
        if (rng_.below(2) == 0) consume(group * instances + rng_.below(instances));
      if (rng_.below(500) == 0) emit(event());
    }
  }

 private:
  static history::Header header() {
    history::Header h;
    h.scenario = "bench: history parse";
    h.seed = 1;
    h.drained = true;
    h.subscriptions = {{"orders", {"billing", "audit"}}};
    return h;
  }

  Op op(std::string process, OpType type, OpKind f) {
    Op o;
    o.time = SimTimeUs{time_us_ += static_cast<std::int64_t>(rng_.below(50))};
    o.process = std::move(process);
    o.type = type;
    o.f = f;
    return o;
  }

  void emit(Op o) {
    if (written_ == ops_total_) return;
    o.index = written_++;
    writer_.write(o);
  }

  void send() {
    std::uint64_t const id = ++id_last_;
    std::string const producer = "p" + std::to_string(id % producers + 1);
    Record r = Record::of(MessageId{id}, "orders");
    r.key = "k" + std::to_string(rng_.below(64));
    Op invoke = op(producer, OpType::invoke, OpKind::send);
    invoke.value = {r};
    emit(invoke);
    auto const partition = static_cast<std::int32_t>(rng_.below(partitions));
    r.partition = partition;
    r.offset = Offset{next_offset_[static_cast<std::size_t>(partition)]++};
    Op ok = op(producer, OpType::ok, OpKind::send);
    ok.value = {r};
    emit(ok);
    log_.push_back(r);
  }

  void consume(std::uint64_t consumer) {
    std::size_t const group = consumer / instances;
    std::string const name = group == 0 ? "billing" : "audit";
    std::string const process = name + "-" + std::to_string(consumer % instances);
    std::size_t& read = read_[group];
    std::size_t const batch = std::min<std::size_t>(1 + rng_.below(3), log_.size() - read);
    Op invoke = op(process, OpType::invoke, OpKind::poll);
    invoke.group = name;
    emit(invoke);
    Op polled = op(process, OpType::ok, OpKind::poll);
    polled.group = name;
    polled.value.assign(log_.begin() + static_cast<std::ptrdiff_t>(read),
                        log_.begin() + static_cast<std::ptrdiff_t>(read + batch));
    read += batch;
    emit(polled);
    for (Record const& r : polled.value) {
      Op start = op(process, OpType::invoke, OpKind::process);
      start.group = name;
      start.value = {Record::of(r.id, r.topic)};
      Op done = start;
      done.type = OpType::ok;
      emit(start);
      done.time = SimTimeUs{time_us_ += 5};
      emit(done);
    }
    if (!polled.value.empty()) {
      Op commit = op(process, OpType::ok, OpKind::commit);
      commit.group = name;
      commit.value = {polled.value.back()};
      emit(commit);
    }
    while (std::min(read_[0], read_[1]) > 0 && !log_.empty()) {  // Keep the log short.
      log_.pop_front();
      --read_[0];
      --read_[1];
    }
  }

  Op event() {
    Op e = op("broker-0", OpType::event, OpKind::fsync);
    e.detail = "fsync of the log";
    return e;
  }

  history::HistoryWriter writer_;
  std::uint64_t ops_total_;
  std::uint64_t written_ = 0;
  std::uint64_t id_last_ = 0;
  std::int64_t time_us_ = 0;
  SplitMix64 rng_{42};
  std::array<std::int64_t, partitions> next_offset_{};
  std::array<std::size_t, groups> read_{};
  std::deque<Record> log_;  // Sent, not yet polled by both groups.
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Returns the best of `runs` timings of `pass`, which returns the number of ops it saw.
template <class Pass>
double best_seconds(Pass pass, std::uint64_t ops_expected) {
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    auto const start = std::chrono::steady_clock::now();
    std::uint64_t const seen = pass();
    best = std::min(best, seconds_since(start));
    if (seen != ops_expected) {
      std::fprintf(stderr, "saw %llu ops, expected %llu\n", static_cast<unsigned long long>(seen),
                   static_cast<unsigned long long>(ops_expected));
      std::exit(1);
    }
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t const ops = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::string const path = (std::filesystem::temp_directory_path() /
                            ("mqcheck_bench_history_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  {
    std::ofstream out(path, std::ios::binary);
    Generator(out, ops).run();
  }
  auto const bytes = std::filesystem::file_size(path);
  double const lines_s = best_seconds(
      [&] {
        std::ifstream in(path, std::ios::binary);
        std::string line;
        std::uint64_t count = 0;
        while (std::getline(in, line)) ++count;
        return count - 1;  // The header line is not an op.
      },
      ops);
  std::uint64_t checksum = 0;
  double const reader_s = best_seconds(
      [&] {
        std::ifstream in(path, std::ios::binary);
        history::HistoryReader reader(in, path);
        std::uint64_t count = 0;
        while (std::optional<Op> op = reader.next()) {
          checksum += op->value.size() + op->process.size();
          ++count;
        }
        return count;
      },
      ops);
  std::uint64_t checksum_reused = 0;
  double const reused_s = best_seconds(
      [&] {
        std::ifstream in(path, std::ios::binary);
        history::HistoryReader reader(in, path);
        std::uint64_t count = 0;
        Op op;  // One op for the whole file: its strings and vector keep their capacity.
        while (reader.next(op)) {
          checksum_reused += op.value.size() + op.process.size();
          ++count;
        }
        return count;
      },
      ops);
  std::filesystem::remove(path);
  double const mb = static_cast<double>(bytes) / 1e6;
  std::printf("history: %llu ops, %.1f MB (%.0f bytes/op), best of %d runs\n",
              static_cast<unsigned long long>(ops), mb, static_cast<double>(bytes) / ops, runs);
  std::printf("getline baseline:       %12.0f ops/s  %8.1f MB/s\n", ops / lines_s, mb / lines_s);
  std::printf("HistoryReader::next():  %12.0f ops/s  %8.1f MB/s  (checksum %llu)\n",
              ops / reader_s, mb / reader_s, static_cast<unsigned long long>(checksum));
  std::printf("HistoryReader::next(op):%12.0f ops/s  %8.1f MB/s  (checksum %llu)\n",
              ops / reused_s, mb / reused_s, static_cast<unsigned long long>(checksum_reused));
  std::printf("ratio next()/getline:   %.3f\n", lines_s / reader_s);
  std::printf("ratio next(op)/getline: %.3f\n", lines_s / reused_s);
  return 0;
}
