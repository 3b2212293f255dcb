// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/controller.cpp (layer: model)
#include "model/kafka/controller.hpp"

#include <algorithm>
#include <string>

#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

namespace {
constexpr TimerId session_timer = 1;
}  // namespace

Controller::Controller(ClusterConfig const* cluster)
    : cluster_(cluster),
      partitions_(cluster->partitions.size()),
      heard_(static_cast<std::size_t>(cluster->brokers), 0),
      txns_(cluster->transactional_ids.size()) {
  for (std::size_t p = 0; p < partitions_.size(); ++p) {
    PartitionInfo const& info = cluster->partitions[p];
    partitions_[p].leader = info.replicas[0];
    for (std::int32_t b : info.replicas) partitions_[p].isr |= broker_bit(b);
  }
}

void Controller::on_start(Output& out) {
  out.append(boot_file, Entry::of(Entry::Kind::boot));
  out.fsync();
  groups_.start(0);
  out.set_timer(session_timer, cluster_->heartbeat_interval);
}

// The metadata log survives a controller crash: states and offsets are replayed from disk.
// Brokers are taken as alive until their session times out again.
void Controller::on_recover(Disk<Entry> const& disk, Output& out) {
  for (Entry const& e : disk.entries(state_file)) {
    EntryExtra const& x = e.extra.get();
    partitions_[e.partition] = State{x.leader, x.epoch, x.isr, x.elr, x.last_leader};
  }
  for (Entry const& e : disk.entries(offsets_file)) committed_[{e.group, e.partition}] = e.offset;
  groups_.start(disk.entries(boot_file).size());
  out.append(boot_file, Entry::of(Entry::Kind::boot));
  out.fsync();
  recover_txns(disk, out);
  out.set_timer(session_timer, cluster_->heartbeat_interval);
}

void Controller::on_message(NodeId from, Message const& message, Output& out) {
  if (groups_.on_message(from, message, committed_, out)) return;
  std::visit(Overloaded{
                 [&](BrokerHeartbeat const& m) { on_heartbeat(m, out); },
                 [&](AlterPartition const& m) { on_alter_partition(m, out); },
                 [&](MetadataRequest const&) {
                   MetadataResponse resp;
                   for (State const& s : partitions_) resp.leaders.push_back(s.leader);
                   out.send(from, std::move(resp));
                 },
                 [&](auto const&) { on_txn_message(from, message, out); },
             },
             message);
}

// A session expires after broker.session.timeout.ms without a heartbeat (KIP-631;
// https://kafka.apache.org/documentation/#brokerconfigs_broker.session.timeout.ms), checked
// once per heartbeat interval.
void Controller::on_timer(TimerId timer, Output& out) {
  if (timer >= GroupCoordinator::timer_base) return groups_.on_timer(timer, out);
  if (timer >= txn_timer_base) {
    return on_txn_timeout(static_cast<std::uint32_t>(timer - txn_timer_base), out);
  }
  if (timer != session_timer) return;
  ++tick_;
  for (std::uint32_t t = 0; t < txns_.size(); ++t) {  // Retry markers not yet acknowledged.
    if (tick_ > txns_[t].marked_at + 1) send_markers(t, out);
  }
  std::uint64_t const ticks =
      static_cast<std::uint64_t>(cluster_->session_timeout.us / cluster_->heartbeat_interval.us);
  for (std::int32_t b = 0; b < cluster_->brokers; ++b) {
    if ((fenced_ & broker_bit(b)) == 0 && tick_ - heard_[static_cast<std::size_t>(b)] > ticks) {
      fence(b, out);
    }
  }
  out.set_timer(session_timer, cluster_->heartbeat_interval);
}

// A registering broker is a new incarnation: whatever the old one led or held in sync is
// gone (its log may have lost its page cache), so it is fenced first, then let back in
// (KIP-631 registration; KIP-903 keeps a stale incarnation out of the ISR).
void Controller::on_heartbeat(BrokerHeartbeat const& hb, Output& out) {
  heard_[static_cast<std::size_t>(hb.broker)] = tick_;
  bool const fenced = (fenced_ & broker_bit(hb.broker)) != 0;
  if (hb.registering && !fenced) fence(hb.broker, out);
  if (hb.registering) forget_unclean(hb.broker, out);
  if (hb.registering || fenced) unfence(hb.broker, out);
}

void Controller::tell(std::uint32_t p, std::int32_t broker, Output& out) const {
  State const& s = partitions_[p];
  out.send(cluster_->broker_node(broker), LeaderAndIsr{p, s.leader, s.epoch, s.isr});
}

// Persists and announces a partition's state to its live replicas. Detail formats (read by
// the report stepper): "leader T-P epoch E isr [a,b]" when the leader changed (leader -1:
// offline), "isr T-P epoch E [a,b]" when only the ISR did.
void Controller::publish(std::uint32_t p, bool leader_changed, Output& out) {
  State const& s = partitions_[p];
  Entry e;
  e.kind = Entry::Kind::partition_state;
  e.partition = p;
  EntryExtra& x = e.extra.edit();
  x.leader = s.leader;
  x.epoch = s.epoch;
  x.isr = s.isr;
  x.elr = s.elr;
  x.last_leader = s.last_leader;
  out.append(state_file, e);
  out.fsync();
  PartitionInfo const& info = cluster_->partitions[p];
  std::string const state = " state: " + info.name() + ".leader=" + std::to_string(s.leader) + " " +
                            info.name() + ".epoch=" + std::to_string(s.epoch) + " " + info.name() +
                            ".isr=" + format_brokers(s.isr) +
                            (elr_on() ? " " + info.name() + ".elr=" + format_brokers(s.elr) : "");
  out.event(OpKind::replicate, {},
            (leader_changed ? "leader " + info.name() + " " + std::to_string(s.leader) + " epoch " +
                                  std::to_string(s.epoch) + " isr " + format_brokers(s.isr)
                            : "isr " + info.name() + " epoch " + std::to_string(s.epoch) + " " +
                                  format_brokers(s.isr)) +
                state);
  for (std::int32_t b : info.replicas) {
    if ((fenced_ & broker_bit(b)) == 0) tell(p, b, out);
  }
}

// KIP-497: the controller accepts an ISR proposed by the current leader in the current
// epoch, minus fenced brokers; anything else is answered with the state as it is.
void Controller::on_alter_partition(AlterPartition const& req, Output& out) {
  State& s = partitions_[req.partition];
  if (req.leader != s.leader || req.epoch != s.epoch) return tell(req.partition, req.leader, out);
  BrokerSet const isr = (req.isr & ~fenced_) | broker_bit(req.leader);
  if (isr == s.isr) return tell(req.partition, req.leader, out);
  change_isr(req.partition, isr, 0);
  publish(req.partition, false, out);
}

void Controller::hash_into(Hasher& h) const {
  h.add_each(partitions_, [](Hasher& g, State const& s) {
    g.add(static_cast<std::uint64_t>(s.leader));
    g.add(static_cast<std::uint64_t>(s.epoch));
    g.add(s.isr);
    g.add(s.elr);
    g.add(static_cast<std::uint64_t>(s.last_leader));
  });
  h.add(fenced_);
  h.add_each(heard_, [](Hasher& g, std::uint64_t t) { g.add(t); });
  h.add(tick_);
  h.add_each(committed_, [](Hasher& g, auto const& c) {
    g.add(c.first.first);
    g.add(c.first.second);
    g.add(static_cast<std::uint64_t>(c.second.value));
  });
  h.add_each(txns_, [](Hasher& g, Txn const& t) {
    g.add(t.producer);
    g.add(static_cast<std::uint64_t>(t.producer_epoch));
    g.add(static_cast<std::uint64_t>(t.phase));
    g.add_each(t.partitions, [](Hasher& k, std::uint32_t p) { k.add(p); });
    g.add(t.group);
    g.add_each(t.offsets, [](Hasher& k, PartitionOffset const& po) {
      k.add(po.partition);
      k.add(static_cast<std::uint64_t>(po.offset.value));
    });
    g.add_each(t.unmarked, [](Hasher& k, std::uint32_t p) { k.add(p); });
    g.add(static_cast<std::uint64_t>(t.timeout_ms));
  });
  groups_.hash_into(h);
}

}  // namespace mqcheck::model::kafka
