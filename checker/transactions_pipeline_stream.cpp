// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_pipeline_stream.cpp (layer: checker)
// The streaming proof of exactly-once-pipeline (checker/transactions_pipeline_stream.hpp).
// How an output counts follows transactions_pipeline.cpp's output_counted: outside a
// transaction, yes once an attempt is `ok`, maybe with an `info` one (or one never completed),
// no when every attempt failed; inside one, by its transaction (the visibility pass beside it
// doubts at the commit of a transaction with a failed send, and an aborted or open one counts
// no whatever the outcome, so the outcome never matters there). A processing
// counts as transactions_table.cpp's counted_as_processed says: only an `ok` one outside a
// transaction or in a committed one can owe an output.
#include "checker/transactions_pipeline_stream.hpp"

#include <algorithm>
#include <utility>

#include "checker/short_text.hpp"

namespace mqcheck::checker::txn_stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

namespace {

// Processings a group not yet a transformer keeps: a transformer's first outputs follow
// closely what it processed first (one poll's batch, KIP-98's consume-transform-produce
// loop), so a small window suffices; any other group overflows it soon and holds nothing.
constexpr std::size_t pipe_buffer_max = 16;

}  // namespace

PipelineStream::PipelineStream(history::Header const& header, EndedTxns const& ended,
                               std::function<bool(std::string_view)> open,
                               std::function<bool(std::string_view, MessageId)> resendable,
                               std::function<bool(std::string_view)> in_doubt)
    : header_(header),
      ended_(ended),
      open_(std::move(open)),
      resendable_(std::move(resendable)),
      in_doubt_(std::move(in_doubt)) {}

std::size_t PipelineStream::group_index(std::string_view name) {
  std::uint32_t const id = names_.intern(name);
  if (id < group_numbers_.size() && group_numbers_[id] != 0) return group_numbers_[id] - 1;
  if (group_numbers_.size() <= id) group_numbers_.resize(id + 1, 0);
  group_numbers_[id] = static_cast<std::uint32_t>(groups_.size() + 1);
  group_names_.emplace_back(name);
  groups_.emplace_back();
  return groups_.size() - 1;
}

// Whether the header lets `group` read `topic`: a topic it does not list leaves its readers to
// the delivery checker's inference, so anyone may.
bool PipelineStream::reads(std::size_t group, std::string const& topic) const {
  auto const readers = header_.subscriptions.find(topic);
  if (readers == header_.subscriptions.end()) return true;
  return std::find(readers->second.begin(), readers->second.end(), group_names_[group]) !=
         readers->second.end();
}

void PipelineStream::observe_all(Op const& op) {
  if (op.f == OpKind::send) {
    for (Record const& record : op.value) on_send(op, record);
    return;
  }
  if (op.f == OpKind::process) return on_process(op);
  if ((op.f == OpKind::txn_commit || op.f == OpKind::txn_abort) && !op.txn.empty()) {
    auto const work = txns_.find(op.txn);
    if (work != txns_.end()) work->second.ended_by_op = true;
  }
}

void PipelineStream::on_send(Op const& op, Record const& record) {
  bool const fresh = !sent_any_ || record.id.value > max_sent_;
  if (fresh) {
    settle_unread(record);
    max_sent_ = record.id.value;
    sent_any_ = true;
  }
  auto const live = outputs_.find(record.id);
  if (live != outputs_.end()) {
    // The same copy again (transactions_table.cpp, add_attempt: a copy is per transaction).
    // Another transaction's record makes another copy: one without a source is no output,
    // one with a source is a second output of the same id, unless the visibility pass dooms
    // the live one's transaction (an open one: it then never commits) for it.
    if (op.txn != live->second.txn) {
      if (late(op, record.id) || !record.source) return;
      if (!resendable_(op.txn, record.id)) return doubt();
      supersede(record.id);
      return new_output(op, record);
    }
    if (record.source && *record.source != live->second.input) return doubt();
    return attempt(op, live->second, record.id);
  }
  // An attempt of an aborted transaction's output, completing late: it joins that copy, whose
  // first record gave it its source (a copy is per transaction, and the visibility pass doubts
  // at a completion pairing with another transaction's invoke), and it counts no.
  if (late(op, record.id)) return;
  // Without a source it is no output, and an attempt of an output's copy adds nothing to it:
  // the first record gave the source, and the visibility pass judges the transaction.
  if (!record.source) return;
  // Not fresh: an earlier attempt without a source may have set its outcome, or it is a
  // counted output sent again, or an attempt completing after its transaction aborted whose
  // copy may be another process's (a copy is per transaction, whoever sent it); unless the
  // visibility pass takes it for the first record of a new copy, every other one aborted.
  if (!fresh && !resendable_(op.txn, record.id)) return doubt();
  new_output(op, record);
}

bool PipelineStream::late(Op const& op, MessageId id) {
  auto const it = late_.find(id);
  if (it == late_.end() || it->second.txn != op.txn) return false;
  // An invoke into an aborted transaction: the visibility pass doubts.
  if (op.type != OpType::invoke && --it->second.open == 0) late_.erase(it);
  return true;
}

// The live output `id` of a doomed transaction gives way to another transaction's copy: it
// counts no if its transaction aborts or stays open in a drained history (end_live_outputs).
// One whose commit ended info stays unknown (count_unknown).
void PipelineStream::supersede(MessageId id) {
  Output const& output = outputs_.find(id)->second;
  std::string const txn = output.txn;
  if (in_doubt_(txn) && !count_unknown(output)) return doubt();
  txns_[txn].superseded = true;
  drop_output(id, txn);
}

// `output`'s transaction's commit ended info, and it stays unknown for good (the visibility
// pass doubts at any other end, transactions_stream_unknown.cpp): with no attempt still open
// (a later completion may pair with another copy's invoke), it counts maybe if an attempt was
// ok or info, else no (every one failed; transactions_pipeline.cpp, output_counted). A maybe
// makes its input uncertain whatever else counts for it (judge_input), bar a second counted
// output (new_output doubts at one). Returns false if an attempt is open.
bool PipelineStream::count_unknown(Output const& output) {
  if (output.open > 0) return false;
  if (output.acked || output.maybe) groups_[output.group].uncertain.insert(output.input);
  return true;
}

void PipelineStream::new_output(Op const& op, Record const& record) {
  seen_ = true;
  std::uint32_t const process = names_.intern(op.process);
  // Its group would be the one of a later process op, or none: left to the whole history.
  if (process >= process_groups_.size() || process_groups_[process] == 0) return doubt();
  std::size_t const g = process_groups_[process] - 1;
  if (!groups_[g].transformer) become_transformer(g);
  Group& group = groups_[g];
  MessageId const input = *record.source;
  if (doubt_ || group.settled.contains(input)) return doubt();  // A second counted output?
  Owed& owed = group.owed[input];
  if (owed.output) return doubt();  // Two live outputs: both may count.
  owed.output = true;
  if (!op.txn.empty()) {
    if (ended_.contains(op.txn)) return doubt();  // The visibility pass doubts too.
    txns_[op.txn].outputs.push_back(record.id);
  }
  Output& output = outputs_[record.id];
  output.group = g;
  output.input = input;
  output.txn = op.txn;
  attempt(op, output, record.id);
}

void PipelineStream::attempt(Op const& op, Output& output, MessageId id) {
  switch (op.type) {
    case OpType::invoke:
      ++output.open;
      return;
    case OpType::ok:
      if (output.open > 0) --output.open;
      output.acked = true;
      if (output.txn.empty()) settle_output(id, "");  // Acknowledged: it counts, for good.
      return;
    case OpType::info:
      if (output.open > 0) --output.open;
      output.maybe = true;
      return;
    case OpType::fail:
      if (output.open > 0) --output.open;
      return;
    case OpType::event:
      return;
  }
}

void PipelineStream::on_process(Op const& op) {
  if (quiet(op)) return;
  std::uint32_t const process = names_.intern(op.process);
  std::size_t const g = group_index(op.group);
  if (process_groups_.size() <= process) process_groups_.resize(process + 1, 0);
  if (process_groups_[process] == 0) process_groups_[process] = static_cast<std::uint32_t>(g + 1);
  if (op.type != OpType::ok) return;  // Counts maybe or no: never owes an output.
  Group& group = groups_[g];
  // Not a transformer, and its buffer already lost a processing: nothing more is kept (it is
  // a doubt should the group turn transformer). Most groups of a long history end up here.
  if (!group.transformer && group.overflowed) return;
  for (Record const& record : op.value) {
    Buffered processing{record.id, op.txn, !reads(g, record.topic)};
    if (group.transformer) {
      processed(g, processing);
    } else if (!group.overflowed) {
      group.buffer.push_back(std::move(processing));
      if (group.buffer.size() > pipe_buffer_max) {
        group.overflowed = true;  // Lost: a doubt should the group turn transformer.
        group.buffer = {};
      }
    }
  }
}

void PipelineStream::processed(std::size_t g, Buffered const& processing) {
  // Its ids may be in `settled` as unread ones: a processing of one would owe an output.
  if (processing.unread) return doubt();
  if (groups_[g].settled.contains(processing.input)) return;  // Its output counted already.
  if (processing.txn.empty()) return counts(g, processing.input);
  // Replayed after its end was forgotten (an uncounted name held open is not: it has none).
  if (ended_.forgotten(processing.txn) && !open_(processing.txn)) return doubt();
  std::optional<bool> const committed = ended_.find(processing.txn);
  if (!committed) {
    txns_[processing.txn].processings.emplace_back(g, processing.input);
  } else if (*committed) {
    counts(g, processing.input);
  }  // Aborted: rolled back (KIP-98), it owes nothing.
}

void PipelineStream::counts(std::size_t g, MessageId input) {
  Group& group = groups_[g];
  if (!group.settled.contains(input)) group.owed[input].processed = true;
}

void PipelineStream::become_transformer(std::size_t g) {
  Group& group = groups_[g];
  group.transformer = true;
  if (group.overflowed) return doubt();
  std::vector<Buffered> const buffer = std::move(group.buffer);
  group.buffer = {};
  for (Buffered const& processing : buffer) processed(g, processing);
}

void PipelineStream::on_commit(std::string_view name) {
  auto const work = txns_.find(name);
  if (work == txns_.end()) return;
  TxnWork const done = std::move(work->second);
  txns_.erase(work);
  for (auto const& [g, input] : done.processings) counts(g, input);
  for (MessageId const id : done.outputs) settle_output(id, name);
}

void PipelineStream::on_abort(std::string_view name) {
  auto const work = txns_.find(name);
  if (work == txns_.end()) return;
  TxnWork const done = std::move(work->second);
  txns_.erase(work);
  for (MessageId const id : done.outputs) {
    auto const live = outputs_.find(id);
    if (live != outputs_.end() && live->second.txn == name && live->second.open > 0)
      late_.insert_or_assign(id, LateOutput{std::string(name), live->second.open});
    drop_output(id, name);  // Counts no.
  }
}

// Its output counts yes: the input is settled. Both stay settled: a second output for it is a
// doubt (new_output), and a later processing of it changes nothing.
void PipelineStream::settle_output(MessageId id, std::string_view txn) {
  auto const live = outputs_.find(id);
  if (live == outputs_.end() || live->second.txn != txn) return;  // Not its copy's.
  Group& group = groups_[live->second.group];
  group.owed.erase(live->second.input);
  group.settled.insert(live->second.input);
  outputs_.erase(live);
}

void PipelineStream::drop_output(MessageId id, std::string_view txn) {
  auto const live = outputs_.find(id);
  if (live == outputs_.end() || live->second.txn != txn) return;  // Sent again since.
  Group& group = groups_[live->second.group];
  auto const owed = group.owed.find(live->second.input);
  if (owed != group.owed.end()) {
    owed->second.output = false;
    if (!owed->second.processed) group.owed.erase(owed);
  }
  outputs_.erase(live);
}

// An id sent to a topic a transformer does not read is settled for it at once, so its set
// stays dense; processed() doubts should the group read it after all.
void PipelineStream::settle_unread(Record const& record) {
  if (!seen_ || !header_.subscriptions.contains(record.topic)) return;  // No transformer yet.
  for (std::size_t g = 0; g < groups_.size(); ++g)
    if (groups_[g].transformer && !reads(g, record.topic)) groups_[g].settled.insert(record.id);
}

// At the end every live output must count no: outside a transaction every attempt failed;
// inside one, its transaction stayed open (no txn-commit or txn-abort) in a drained history.
void PipelineStream::end_live_outputs() {
  std::vector<std::pair<MessageId, std::string>> ended;
  for (auto const& [id, output] : outputs_) {
    if (!output.txn.empty() && in_doubt_(output.txn)) {  // Unknown: it counts maybe, or no.
      if (!count_unknown(output)) return doubt();
      ended.emplace_back(id, output.txn);
      continue;
    }
    if (output.txn.empty() ? output.maybe || output.open > 0
                           : !header_.drained || txns_.find(output.txn)->second.ended_by_op)
      return doubt();
    ended.emplace_back(id, output.txn);
  }
  // A doomed transaction still held is open (its commit is a doubt, its abort ends it here).
  for (auto const& [name, work] : txns_)
    if (work.superseded && !header_.drained) return doubt();
  for (auto const& [id, txn] : ended) drop_output(id, txn);
}

bool PipelineStream::decided() {
  if (doubt_) return false;
  end_live_outputs();
  if (doubt_) return false;
  for (Group const& group : groups_) {
    for (auto const& [input, owed] : group.owed) {
      // Lost after a drain, pending before one; uncertain if an output counts maybe.
      if (owed.processed && !group.uncertain.contains(input)) return false;
    }
  }
  return true;
}

std::vector<Verdict> PipelineStream::finish() const {
  if (!seen_) return {};
  Verdict verdict{.guarantee = "exactly-once-pipeline"};
  std::uint64_t uncertain = 0;  // As judge_pipeline: (group, input) pairs, each once.
  for (Group const& group : groups_) uncertain += group.uncertain.size();
  if (uncertain > 0) {
    verdict.validity = Validity::unknown;
    verdict.reason = "uncertain: " + plural(static_cast<std::size_t>(uncertain), "input") +
                     " with an output whose send or transaction outcome is unknown";
  }
  return {std::move(verdict)};
}

std::size_t PipelineStream::open_count() const {
  std::size_t n = outputs_.size() + txns_.size() + late_.size();
  for (Group const& group : groups_) n += group.owed.size();  // Buffers: a fixed window.
  return n;
}

std::size_t PipelineStream::memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
  std::size_t bytes =
      (outputs_.size() + late_.size()) * (node + sizeof(MessageId) + sizeof(Output));
  if (!groups_.empty()) {  // Names come with the first process op (its group and process).
    bytes += names_.memory_bytes() + group_numbers_.capacity() * sizeof(std::uint32_t) +
             process_groups_.capacity() * sizeof(std::uint32_t);
  }
  for (Group const& group : groups_) {
    bytes += sizeof(Group) + group.buffer.capacity() * sizeof(Buffered) +
             group.owed.size() * (node + sizeof(MessageId) + sizeof(Owed)) +
             group.settled.memory_bytes() + group.uncertain.memory_bytes();
  }
  for (auto const& [name, work] : txns_) {
    bytes += node + sizeof(std::string) + sizeof(TxnWork) +
             work.processings.capacity() * sizeof(work.processings.front()) +
             work.outputs.capacity() * sizeof(MessageId);
  }
  return bytes;
}

}  // namespace mqcheck::checker::txn_stream_detail
