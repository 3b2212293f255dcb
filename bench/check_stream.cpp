// SPDX-License-Identifier: Apache-2.0
// File: bench/check_stream.cpp
// The streaming delivery checker over a long history file, against merely parsing the same file
// in the same run (issue 3: >= 5 M ops/s on one core, >= 0.5 of parse-only, <= 200 bytes per
// in-flight message, flat as the history grows). The history: 4 producers send to `orders`
// (8 partitions); groups billing and audit (2 instances each) poll, process and commit, lagging
// `lag` messages behind, so that many messages are in flight at once. Every 10,000 messages one
// anomaly is injected in turn: a message audit never processes (lost), one billing processes
// twice in a row (duplicated), one processed but never sent (unexpected), one whose send times
// out and is processed anyway (recovered, not an anomaly). Each size runs in its own process
// (`--one N`), so the peak RSS it reports is its own; `--far` adds one duplicate of one of the
// first messages at the end, which forces the second pass. `--ordered` makes the header promise
// partition order for `orders` and checks with checker::check_streaming, so the streaming
// ordering checker (checker/ordering_stream.hpp) runs in the same pass as delivery. `--txn`
// sends every message in a transaction of its own that commits right after the send (a
// txn-commit invoke and ok) and checks delivery alone: the transactional messages must settle
// once committed, so memory stays flat here too. With `--aborts` one transaction in five aborts
// instead (a txn-abort invoke and ok) and its message is never consumed: it must settle once
// the abort is final. With `--names free` the transaction names have no trailing counter
// ("p1/1f3a9c-tx", docs/history-format.md) and each transaction begins with a txn-begin, so
// ended names are kept for recent ones only; with `--names uuid` they are UUID-like
// ("p1/9e3779b9-7f4a-7c15"): most end in digits without counting, and each makes a prefix of
// its own, kept for recent ones only too (checker/transactions_ended.hpp). `--txn --ordered`
// checks with check_streaming, as `--ordered` does: the transactions stream and the ordering
// stream run beside delivery, in the same pass. `--all` checks with check_streaming without
// promising order: delivery, transactions and features in one pass. The transactions stream
// keeps which ids aborted for the latest 2^16 ids (checker/transactions_stream.hpp), more than
// the consumers' lag of 20,000, so `--txn --aborts --all` streams. `--txn --ordered --aborts`
// declares both groups read_committed (they skip the aborted offsets, as Kafka's fetcher does,
// KIP-98; a group that is not may not: poll-skip), and streams too: the ordering stream lets a
// read_committed consumer jump offsets whose transaction it saw abort
// (checker/ordering_stream_txn.cpp). `--skips` (with `--ordered`) also makes billing jump one
// message every 100,000 (it processes it without polling it: a poll-skip) and poll another one
// twice (a nonmonotonic-poll): the ordering stream reports both without loading the history,
// the skips after a second pass over the ops (checker/ordering_stream_skips.hpp), so memory
// stays flat. `--truncations` (with `--ordered`, without `--txn`) makes one acknowledged
// message every 100,000 lost to a truncated leader log: the partition's next send is stored at
// its offset (an inconsistent-offsets, and a lost message), which the ordering stream judges
// without loading (checker/ordering_stream_truncation.cpp). `--write PATH N` (after the mode's
// flags) writes the
// history of N ops to PATH and exits, for `mqcheck check`. Times are
// the process's CPU time (user and system, so reading the file counts): on a machine shared
// with other work, wall-clock time measures the neighbours as much as the checker. Every size
// is timed the same way, once per run (`--best K`: the fastest of K), so that sizes compare;
// repeat whole runs and take medians (until session 9, sizes up to 2 M took the best of three
// and larger ones one timing, which alone made 10 M look some 8-10 ns/op slower than 1 M). A
// benchmark, not a test: nothing fails on timing.
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history_io.hpp"

namespace {

using namespace mqcheck;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

constexpr int producers = 4, partitions = 8, instances = 2;
constexpr std::uint64_t lag = 20'000, period = 10'000, unsent_base = 1ULL << 40;
constexpr std::uint64_t skip_period = 100'000;  // --skips: one poll-skip and one step back.

class Generator {
 public:
  Generator(std::ostream& out, std::uint64_t ops_total, bool far, bool ordered, bool txn,
            bool aborts, bool free_names, bool uuid_names = false, bool skips = false,
            bool truncations = false)
      : writer_(out, header(ordered, ordered && txn && aborts)),
        ops_total_(ops_total),
        far_(far),
        skips_(ordered && skips),
        truncations_(ordered && !txn && truncations),
        txn_(txn),
        aborts_(txn && aborts),
        free_names_(txn && (free_names || uuid_names)),
        uuid_names_(txn && uuid_names) {}

  void run() {
    std::uint64_t const reserve = far_ ? 2 : 0;  // Room for the far duplicate.
    // Stop sending while there is room to drain what is in flight (at most 14 ops each).
    while (written_ + 14 * (log_.size() + 1) + 32 < ops_total_ - reserve) {
      send();
      if (log_.size() > lag) consume_front();
    }
    while (!log_.empty()) consume_front();
    if (far_) {
      emit(op("billing-0", OpType::invoke, OpKind::process, "billing", first_));
      emit(op("billing-0", OpType::ok, OpKind::process, "billing", first_));
    }
    while (written_ < ops_total_) emit(fsync_event());
  }

 private:
  // `read_committed`: both groups declare it, as consumers that skip aborted data must for
  // the ordering checker (else the offsets they skip are poll-skips: check_offsets).
  static history::Header header(bool ordered, bool read_committed) {
    history::Header h;
    if (ordered) h.ordering = {{"orders", history::OrderingScope::partition}};
    h.scenario = "bench: streaming check";
    h.drained = true;
    h.subscriptions = {{"orders", {"billing", "audit"}}};
    if (read_committed) {
      for (char const* group : {"billing", "audit"})
        h.groups[group].isolation = history::GroupSpec::Isolation::read_committed;
    }
    return h;
  }

  Op op(std::string process, OpType type, OpKind f, std::string group, Record const& r) {
    Op o;
    o.time = SimTimeUs{time_us_ += 3};
    o.process = std::move(process);
    o.type = type;
    o.f = f;
    o.group = std::move(group);
    o.value = {r};
    return o;
  }

  static Op in_txn(Op o, std::string const& txn) {
    o.txn = txn;
    return o;
  }

  void emit(Op o) {
    o.index = written_++;
    writer_.write(o);
  }

  Op fsync_event() {
    Op e;
    e.time = SimTimeUs{time_us_};
    e.process = "broker-0";
    e.type = OpType::event;
    e.f = OpKind::fsync;
    return e;
  }

  void send() {
    std::uint64_t const id = ++id_last_;
    std::string const producer = "p" + std::to_string(id % producers);
    Record r = Record::of(MessageId{id}, "orders");
    std::string const txn = !txn_         ? std::string()
                            : uuid_names_ ? uuid_name(producer, id)
                            : free_names_ ? free_name(producer, id)
                                          : producer + "/" + std::to_string(id);
    bool const aborted = aborts_ && id % 5 == 0;  // Never id % period in 1..4: no overlap.
    if (free_names_) {
      for (OpType const type : {OpType::invoke, OpType::ok}) {
        Op begin = op(producer, type, OpKind::txn_begin, "", r);
        begin.value.clear();
        emit(in_txn(std::move(begin), txn));
      }
    }
    emit(in_txn(op(producer, OpType::invoke, OpKind::send, "", r), txn));
    auto const partition = static_cast<std::int32_t>(id % partitions);
    r.partition = partition;
    // --truncations: the leader acknowledges this one, then loses it (acks=1, a crash): the
    // partition's next send is stored at its offset, and no consumer ever reads it.
    bool const lost = truncations_ && id % skip_period == 70;
    r.offset = Offset{next_offset_[static_cast<std::size_t>(partition)]};
    if (!lost) ++next_offset_[static_cast<std::size_t>(partition)];
    bool const timed_out = id % period == 4;
    emit(in_txn(op(producer, timed_out ? OpType::info : OpType::ok, OpKind::send, "", r), txn));
    if (txn_) {
      for (OpType const type : {OpType::invoke, OpType::ok}) {
        Op end = op(producer, type, aborted ? OpKind::txn_abort : OpKind::txn_commit, "", r);
        end.value.clear();
        emit(in_txn(std::move(end), txn));
      }
    }
    if (id == 6) first_ = Record::of(r.id, r.topic);  // A plain message, settled early.
    // read_committed consumers never see aborted data (KIP-98); nobody sees a lost message.
    if (!aborted && !lost) log_.push_back(r);
  }

  // A name without a trailing counter: twelve hex digits of a mix of the id, then "-tx".
  static std::string free_name(std::string const& producer, std::uint64_t id) {
    std::uint64_t const mixed = (id * 0x9E3779B97F4A7C15ULL) >> 16;
    char hex[16];
    std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(mixed));
    return producer + "/" + hex + "-tx";
  }

  // A UUID-like name, "p1/9e3779b9-7f4a-7c15": hex groups of a mix of the id, so that most end
  // in a digit (a prefix of their own, used once) and the rest in a letter (uncounted).
  static std::string uuid_name(std::string const& producer, std::uint64_t id) {
    std::uint64_t const mixed = id * 0x9E3779B97F4A7C15ULL;
    char hex[24];
    std::snprintf(hex, sizeof hex, "%08llx-%04llx-%04llx",
                  static_cast<unsigned long long>(mixed >> 32),
                  static_cast<unsigned long long>((mixed >> 16) & 0xffff),
                  static_cast<unsigned long long>(mixed & 0xffff));
    return producer + "/" + hex;
  }

  // `polls`: 1, 0 (processed unpolled: the next poll jumps it) or 2 (read again: a step back).
  void consume(std::string const& group, int instance, Record const& r, int times, int polls = 1) {
    std::string const process = group + "-" + std::to_string(instance);
    for (int p = 0; p < polls; ++p) {
      emit(op(process, OpType::invoke, OpKind::poll, group, r));
      emit(op(process, OpType::ok, OpKind::poll, group, r));
    }
    Record const plain = Record::of(r.id, r.topic);
    for (int t = 0; t < times; ++t) {
      emit(op(process, OpType::invoke, OpKind::process, group, plain));
      emit(op(process, OpType::ok, OpKind::process, group, plain));
    }
    emit(op(process, OpType::ok, OpKind::commit, group, r));
  }

  void consume_front() {
    Record const r = log_.front();
    log_.pop_front();
    std::uint64_t const id = r.id.value;
    int const instance = static_cast<int>(*r.partition % instances);
    // Ids 50 and 60 past each skip_period: none of the delivery anomalies' (1..4 of period).
    int const polls = !skips_ ? 1 : id % skip_period == 50 ? 0 : id % skip_period == 60 ? 2 : 1;
    consume("billing", instance, r, id % period == 2 ? 2 : 1, polls);
    consume("audit", instance, r, id % period == 1 ? 0 : 1);
    if (id % period == 3) {  // A message nobody sent.
      Record const ghost = Record::of(MessageId{unsent_base + id}, "orders");
      emit(op("audit-0", OpType::invoke, OpKind::process, "audit", ghost));
      emit(op("audit-0", OpType::ok, OpKind::process, "audit", ghost));
    }
  }

  history::HistoryWriter writer_;
  std::uint64_t ops_total_;
  bool far_;
  bool skips_;
  bool truncations_;
  bool txn_;
  bool aborts_;
  bool free_names_;
  bool uuid_names_;
  std::uint64_t written_ = 0;
  std::uint64_t id_last_ = 0;
  std::int64_t time_us_ = 0;
  std::int64_t next_offset_[partitions] = {};
  std::deque<Record> log_;  // Sent, not yet consumed.
  Record first_;
};

// This process's CPU time so far, in seconds (one thread: the time it had a core).
double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Returns the fastest of `runs` timings of `pass`.
template <class Pass>
double best_of(int runs, Pass pass) {
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    double const start = cpu_seconds();
    pass();
    best = std::min(best, cpu_seconds() - start);
  }
  return best;
}

std::uint64_t parse_only(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  history::HistoryReader reader(in, path);
  Op op;
  std::uint64_t count = 0;
  while (reader.next(op)) count += op.value.size() + 1;
  return count;
}

// Runs one size in this process and prints one line of figures.
int run_one(std::uint64_t ops, bool far, bool ordered, bool txn, bool aborts, bool free_names,
            int runs, bool uuid_names, bool all, bool skips, bool truncations) {
  std::string const path = (std::filesystem::temp_directory_path() /
                            ("mqcheck_bench_check_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  {
    std::ofstream out(path, std::ios::binary);
    Generator(out, ops, far, ordered, txn, aborts, free_names, uuid_names, skips, truncations)
        .run();
  }
  // Written back before anything is timed: a file just written is still being flushed to
  // disk while it is read (1.5 GB at 10 M ops), which slowed whichever timing the writeback
  // fell on by 6-8% (the check, which runs second; measured by ord5, session 12). Both now
  // read a clean page cache.
  if (int const fd = ::open(path.c_str(), O_RDONLY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::uint64_t sink = 0;
  double const parse_s = best_of(runs, [&] { sink += parse_only(path); });
  history::Header header;
  {
    std::ifstream in(path, std::ios::binary);
    header = history::HistoryReader(in, path).header();
  }
  checker::OpSource const source = [&](std::function<void(Op const&)> const& visit) {
    std::ifstream in(path, std::ios::binary);
    history::HistoryReader reader(in, path);
    Op op;
    while (reader.next(op)) visit(op);
  };
  checker::StreamStats stats;
  checker::DeliveryReport report;
  double const check_s = best_of(runs, [&] {
    stats = {};
    report = ordered || all
                 ? checker::check_streaming(
                       header, source, [&] { return history::load_history(path); }, {}, {}, &stats)
                 : checker::check_delivery_stream(header, source, {}, &stats);
  });
  std::filesystem::remove(path);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%llu %.0f %.0f %llu %llu %zu %ld %lld %lld %lld %llu\n",
              static_cast<unsigned long long>(ops), ops / parse_s, ops / check_s,
              static_cast<unsigned long long>(stats.passes),
              static_cast<unsigned long long>(stats.open_peak), stats.memory_peak_bytes,
              usage.ru_maxrss, static_cast<long long>(report.counts.lost),
              static_cast<long long>(report.counts.duplicated),
              static_cast<long long>(report.counts.unexpected),
              static_cast<unsigned long long>(sink % 2));
  return 0;
}

// One size's figures, as a child run prints them.
struct Row {
  unsigned long long ops = 0, passes = 0, open = 0, lost = 0, dup = 0, unexpected = 0, sink = 0;
  double parse = 0, check = 0;
  std::size_t state = 0;
  long rss = 0;
  double ratio() const { return check / parse; }
  double bytes_per_message() const {
    return open == 0 ? 0.0 : static_cast<double>(state) / static_cast<double>(open);
  }
};

std::optional<Row> run_child(std::string const& command) {
  FILE* child = ::popen(command.c_str(), "r");
  if (child == nullptr) return std::nullopt;
  Row r;
  int const got = std::fscanf(child, "%llu %lf %lf %llu %llu %zu %ld %llu %llu %llu %llu", &r.ops,
                              &r.parse, &r.check, &r.passes, &r.open, &r.state, &r.rss, &r.lost,
                              &r.dup, &r.unexpected, &r.sink);
  ::pclose(child);
  if (got != 11) return std::nullopt;
  return r;
}

void print_row(Row const& r) {
  std::printf("%10llu %12.0f %12.0f %6.2f %7llu %10llu %10zu %9.0f %9.1f %8llu\n", r.ops,
              r.parse, r.check, r.ratio(), r.passes, r.open, r.state, r.bytes_per_message(),
              static_cast<double>(r.rss) / 1024.0, r.lost + r.dup + r.unexpected);
}

// The largest size against the smallest, and each against issue 3's targets.
void print_comparison(std::vector<Row> const& rows) {
  if (rows.empty()) return;
  Row const& small = rows.front();
  Row const& large = rows.back();
  std::printf("targets: check >= 5000000 op/s, ratio >= 0.50, <= 200 B/msg, flat as ops grow\n");
  for (Row const& r : rows) {
    std::printf("%10llu: check %s, ratio %s, memory %s\n", r.ops,
                r.check >= 5e6 ? "met" : "NOT met", r.ratio() >= 0.5 ? "met" : "NOT met",
                r.bytes_per_message() <= 200 ? "met" : "NOT met");
  }
  if (rows.size() < 2) return;
  std::printf("%llu vs %llu ops: check op/s x%.2f, B/msg x%.2f, state B x%.2f, RSS x%.2f\n",
              large.ops, small.ops, large.check / small.check,
              large.bytes_per_message() / small.bytes_per_message(),
              static_cast<double>(large.state) / static_cast<double>(small.state),
              static_cast<double>(large.rss) / static_cast<double>(small.rss));
}

}  // namespace

namespace {

constexpr char const* check_stream_usage =
    "usage: bench_check_stream [--far] [--ordered [--skips] [--truncations]] [--txn] [--aborts] "
    "[--names free|uuid] [--all] [--best K] [OPS ...]\n"
    "       bench_check_stream [mode flags] --one OPS | --write PATH OPS\n";

// A bad command line: says what and how it is used, exits 2 (as mqcheck does).
[[noreturn]] void check_stream_refuse(std::string const& what) {
  std::fprintf(stderr, "bench_check_stream: %s\n%s", what.c_str(), check_stream_usage);
  std::exit(2);
}

// A count on the command line: digits only, above 0.
std::uint64_t check_stream_count(char const* option, char const* text) {
  char* end = nullptr;
  std::uint64_t const n = std::strtoull(text, &end, 10);
  if (*text < '0' || *text > '9' || *end != '\0' || n == 0)
    check_stream_refuse(std::string(option) + " needs a positive whole number, not '" + text + "'");
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  bool far = false, ordered = false, txn = false, aborts = false, free_names = false;
  bool uuid_names = false, all = false, skips = false, truncations = false;
  int best = 1;  // Timings per size; the fastest is reported.
  std::vector<std::uint64_t> sizes;
  auto const value = [&](int& i, int count) {  // The option's values must be there.
    if (i + count >= argc) check_stream_refuse(std::string(argv[i]) + " needs a value");
    return argv[i + 1];
  };
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0) {
      std::fputs(check_stream_usage, stdout);
      return 0;
    } else if (std::strcmp(argv[i], "--far") == 0) {
      far = true;
    } else if (std::strcmp(argv[i], "--ordered") == 0) {
      ordered = true;
    } else if (std::strcmp(argv[i], "--skips") == 0) {
      skips = true;
    } else if (std::strcmp(argv[i], "--truncations") == 0) {
      truncations = true;
    } else if (std::strcmp(argv[i], "--txn") == 0) {
      txn = true;
    } else if (std::strcmp(argv[i], "--aborts") == 0) {
      aborts = true;
    } else if (std::strcmp(argv[i], "--names") == 0) {
      std::string const kind = value(i, 1);
      ++i;
      if (kind != "free" && kind != "uuid")
        check_stream_refuse("--names is 'free' or 'uuid', not '" + kind + "'");
      free_names = kind == "free";
      uuid_names = kind == "uuid";
    } else if (std::strcmp(argv[i], "--all") == 0) {
      all = true;
    } else if (std::strcmp(argv[i], "--best") == 0) {
      best = static_cast<int>(std::min<std::uint64_t>(check_stream_count("--best", value(i, 1)), 100));
      ++i;
    } else if (std::strcmp(argv[i], "--write") == 0) {
      // The history alone, for `mqcheck check`: --write PATH OPS.
      value(i, 2);
      std::uint64_t const ops = check_stream_count("--write", argv[i + 2]);
      std::ofstream out(argv[i + 1], std::ios::binary);
      if (!out) check_stream_refuse(std::string("cannot write '") + argv[i + 1] + "'");
      Generator(out, ops, far, ordered, txn, aborts, free_names, uuid_names, skips, truncations)
          .run();
      return out ? 0 : 1;
    } else if (std::strcmp(argv[i], "--one") == 0) {
      return run_one(check_stream_count("--one", value(i, 1)), far, ordered, txn, aborts,
                     free_names, best, uuid_names, all, skips, truncations);
    } else if (argv[i][0] == '-') {
      check_stream_refuse(std::string("unknown option '") + argv[i] + "'");
    } else {
      sizes.push_back(check_stream_count("OPS", argv[i]));
    }
  }
  if (sizes.empty()) sizes = {1'000'000, 10'000'000};
  aborts = aborts && txn;
  free_names = free_names && txn;
  uuid_names = uuid_names && txn;
  skips = skips && ordered;
  truncations = truncations && ordered && !txn;
  std::printf("streaming %s%s check vs parse-only, same file, same run%s%s%s%s\n",
              ordered ? "delivery + partition-ordering" : "delivery",
              txn ? (ordered ? " + transactions" : "") : "",
              far     ? " (with one far duplicate: second pass)"
              : skips ? " (a poll-skip and a nonmonotonic-poll every 100,000 messages)"
                      : "",
              truncations ? " (a truncated acknowledged message every 100,000: "
                            "inconsistent-offsets)"
                          : "",
              !txn     ? ""
              : aborts ? "; every message in a transaction, one in five aborted"
                       : "; every message in a committed transaction",
              free_names   ? "; names without a counter, with txn-begin"
              : uuid_names ? "; UUID-like names, with txn-begin"
                           : "");
  if (all) std::printf("all checks streamed (check_streaming)\n");
  std::printf("%10s %12s %12s %6s %7s %10s %10s %9s %9s %8s\n", "ops", "parse op/s",
              "check op/s", "ratio", "passes", "in-flight", "state B", "B/msg", "RSS MiB",
              "anomal.");
  std::vector<Row> rows;
  for (std::uint64_t const n : sizes) {
    std::string const command = std::string("'") + argv[0] + "' " + (far ? "--far " : "") +
                                (ordered ? "--ordered " : "") + (skips ? "--skips " : "") +
                                (truncations ? "--truncations " : "") + (txn ? "--txn " : "") +
                                (aborts ? "--aborts " : "") + (free_names ? "--names free " : "") +
                                (uuid_names ? "--names uuid " : "") + (all ? "--all " : "") +
                                "--best " + std::to_string(best) + " --one " + std::to_string(n);
    std::optional<Row> const row = run_child(command);
    if (!row) {
      std::fprintf(stderr, "the run of %llu ops failed\n", static_cast<unsigned long long>(n));
      return 1;
    }
    print_row(*row);
    rows.push_back(*row);
  }
  print_comparison(rows);
  return 0;
}
