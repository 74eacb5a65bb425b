#include "sim/swarm.h"

#include <yaml-cpp/yaml.h>

#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"
#include "sim/seeds.h"

namespace sim {

std::string duration_text(harness::Micros d) {
  const int64_t us = d.count();
  if (us % 1000 == 0) return std::to_string(us / 1000) + "ms";
  return std::to_string(us) + "us";
}

namespace {

template <typename T>
T pick(common::Rng& rng, std::initializer_list<T> choices) {
  auto it = choices.begin();
  std::advance(it, rng.uniform(0, static_cast<int64_t>(choices.size()) - 1));
  return *it;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void scale_drops(YAML::Node net, double f) {
  for (const char* k : {"drop_requests", "drop_replies"}) {
    if (net[k]) net[k] = std::stod(fmt(net[k].as<double>() * f));
  }
}

}  // namespace

common::Result<harness::Scenario> swarm_scenario(const harness::Scenario& s, uint64_t seed,
                                                 std::vector<std::string>* notes) {
  common::Rng rng = Seeds(seed).stream("swarm/scenario");
  YAML::Node root;
  try {
    root = YAML::Load(s.source);
  } catch (const YAML::Exception& e) {
    return common::Status::invalid_argument(s.file + ": " + e.what());
  }
  const harness::ChecksSpec& checks = s.checks;
  // Timing: scaled together, so the election timeout stays well above the heartbeat.
  const harness::ClusterSpec& c = s.cluster;
  harness::Micros election_min = c.election_min;
  if (!checks.max_mean_latency && rng.chance(0.5)) {
    const double f = pick(rng, {0.5, 0.75, 1.5, 2.0});
    auto scaled = [&](harness::Micros d) {
      return std::max(c.tick, harness::Micros(static_cast<int64_t>(static_cast<double>(d.count()) * f)));
    };
    election_min = scaled(c.election_min);
    root["cluster"]["election_timeout"] = std::vector<std::string>{duration_text(election_min),
                                                                   duration_text(scaled(c.election_max))};
    root["cluster"]["heartbeat"] = duration_text(scaled(c.heartbeat));
    notes->push_back("timing x" + fmt(f));
  }
  const bool size_checks = checks.no_snapshot || checks.max_snapshot_bytes || checks.max_raft_state_bytes;
  if (!size_checks && rng.chance(0.5)) {
    const uint64_t bytes = pick<uint64_t>(rng, {1024, 4096, 16384});
    root["cluster"]["compaction_bytes"] = bytes;
    notes->push_back("compaction_bytes " + std::to_string(bytes));
  }
  // Keys and mix (not where a check bounds the state's size: the bound was set for this workload).
  if (!size_checks && s.clients.keys == harness::ClientsSpec::Keys::kOwn && s.clients.readers == 0 &&
      rng.chance(0.3)) {
    const int keys = static_cast<int>(rng.uniform(1, 3));
    root["clients"]["keys"] = "shared";
    root["clients"]["key_count"] = keys;
    if (root["clients"]["init_put_empty"]) root["clients"].remove("init_put_empty");
    notes->push_back("keys shared x" + std::to_string(keys));
  }
  if (!size_checks && !checks.max_mean_latency && s.clients.append_weight > 0 && rng.chance(0.4)) {
    const int get = pick(rng, {10, 50, 90});
    root["clients"]["mix"]["get"] = get;
    root["clients"]["mix"]["append"] = 100 - get;
    if (root["clients"]["mix"]["put"]) root["clients"]["mix"]["put"] = 0;
    notes->push_back("mix get " + std::to_string(get));
  }
  // Fault mix: each nemesis entry kept with chance 0.7 (at least one per phase that had some).
  if (root["phases"]) {
    int p = 0;
    for (auto phase : root["phases"]) {
      YAML::Node nem = phase["nemesis"];
      if (nem && nem.IsSequence() && nem.size() > 1) {
        YAML::Node kept(YAML::NodeType::Sequence);
        std::vector<size_t> dropped;
        for (size_t k = 0; k < nem.size(); ++k) {
          if (rng.chance(0.7)) kept.push_back(nem[k]);
          else dropped.push_back(k);
        }
        if (kept.size() == 0) kept.push_back(nem[static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(nem.size()) - 1))]);
        if (kept.size() < nem.size()) {
          phase["nemesis"] = kept;
          notes->push_back("phase " + std::to_string(p) + ": " + std::to_string(kept.size()) + " of " +
                           std::to_string(nem.size()) + " nemesis entries");
        }
      }
      ++p;
    }
  }
  if (root["network"] && rng.chance(0.5)) {
    const double f = pick(rng, {0.25, 0.5});
    scale_drops(root["network"], f);
    notes->push_back("baseline drops x" + fmt(f));
  }
  // Drawn last, so the draws above stay what they were for a seed. Now and then a narrow
  // election timeout range (three ticks wide): candidates of one term often collide, so a node
  // that refused one candidate of a term grants another of the same term (its vote changes
  // while its term does not), and a candidate that lost a term campaigns again while answers
  // from the old term are still on their way.
  if (!checks.max_mean_latency && rng.chance(0.25)) {
    const std::string lo = duration_text(election_min), hi = duration_text(election_min + 3 * c.tick);
    root["cluster"]["election_timeout"] = std::vector<std::string>{lo, hi};
    notes->push_back("election timeout " + lo + "-" + hi + " (narrow)");
  }
  // Drawn after those: a quarter of the seeds without PreVote, a quarter without CheckQuorum (a
  // Raft library ships both off by default; each hides bugs). Without PreVote a node that was cut
  // off raises its term and deposes the leader when it rejoins: far more elections, terms and
  // vote rules at work. Without CheckQuorum a leader cut off from the majority leads on until it
  // hears a higher term (no lease keeps followers from electing meanwhile), so a deposed leader's
  // waiting reads and writes meet the new leader's work when the partition heals.
  if (!checks.max_mean_latency) {
    if (rng.chance(0.25)) {
      root["cluster"]["pre_vote"] = false;
      notes->push_back("pre_vote off");
    }
    if (rng.chance(0.25)) {
      root["cluster"]["check_quorum"] = false;
      notes->push_back("check_quorum off");
    }
  }
  YAML::Emitter out;
  out << root;
  std::string text = out.c_str();
  text += '\n';
  auto loaded = harness::load_scenario_text(text, s.file, harness::fault_registry());
  if (!loaded) return loaded.status();
  loaded->name = s.name;
  return loaded;
}

void draw_knobs(uint64_t seed, const harness::Scenario& scenario, WorldOptions* w, SimFaults* f,
                std::vector<std::string>* notes) {
  common::Rng rng = Seeds(seed).stream("swarm/knobs");
  w->latency.min = rng.uniform(10, 200) * kMicro;
  w->latency.max = w->latency.min + rng.uniform(50, 3000) * kMicro;
  w->latency.tail = pick(rng, {0.0, 0.01, 0.05});
  w->latency.tail_max = w->latency.tail > 0 ? rng.uniform(1, 30) * kMilli : 0;
  w->disk.fsync_min = rng.uniform(50, 1000) * kMicro;
  w->disk.fsync_max = w->disk.fsync_min + rng.uniform(0, 5000) * kMicro;
  w->max_msg_bytes = pick<uint64_t>(rng, {0, 200, 1000, 8000});
  w->max_inflight_bytes = pick<uint64_t>(rng, {0, 2000, 64000});
  w->max_snapshot_chunk = pick<uint64_t>(rng, {0, 100, 1000, 10000});
  w->segment_bytes = pick<uint64_t>(rng, {0, 512, 4096, 65536});
  const harness::ChecksSpec& c = scenario.checks;
  const bool size_checks = c.max_raft_state_bytes || c.max_snapshot_bytes || c.no_snapshot;
  f->power_loss = pick(rng, {0.0, 0.5, 1.0});
  f->slow_node = pick(rng, {0.0, 0.0, 0.1, 0.3});
  f->slow_fraction = pick(rng, {0.05, 0.2});
  f->clock_drift = pick(rng, {0.0, 0.2, 0.5});
  f->drift_max = 0.1;
  f->slow_disk = pick(rng, {0.0, 0.0, 0.1});
  if (size_checks) {
    // The scenario bounds the durable state for its own settings: a node slowed down, a slow disk
    // or other size limits keep more log (a slow node compacts late), which is not a bug.
    w->segment_bytes = w->max_msg_bytes = w->max_inflight_bytes = w->max_snapshot_chunk = 0;
    f->slow_node = f->slow_disk = 0;
  }
  // Drawn last, so the draws above stay what they were for a seed.
  w->duplicate = pick(rng, {0.0, 0.0, 0.01, 0.05});
  w->reorder = rng.chance(0.3);
  // A clock that runs at half speed keeps a cut-off leader believing it leads (its CheckQuorum
  // comes late) while the others elect: the window a deposed leader's stale read or a write
  // acknowledged for an overwritten entry needs.
  f->drift_max = pick(rng, {0.1, 0.5});
  // A flipped bit at rest on one node that crashed (it must refuse to start, never serve it).
  f->bit_rot = pick(rng, {0.0, 0.0, 0.5});
  // Now and then a message held for up to most of a second (Latency::stall): a vote granted in
  // an earlier term, an append answered before a leader change or a snapshot chunk of a finished
  // transfer then arrives late, as over a real TCP connection after a retransmission timeout.
  // Not where the scenario bounds the mean latency: its bound was set for its own network.
  w->latency.stall = pick(rng, {0.0, 0.0, 0.0005, 0.002});
  w->latency.stall_max = w->latency.stall > 0 ? rng.uniform(100, 800) * kMilli : 0;
  if (c.max_mean_latency) w->latency.stall = w->latency.stall_max = 0;
  // How many waiting inputs a node takes before one flush: kvnode takes all (up to 4096), a
  // lightly loaded node often one at a time; a few in between.
  w->max_inputs_per_step = pick(rng, {1, 4, 4096, 4096});
  // Now and then a crash right after a node voted or became leader (WorldOptions::election_crash).
  f->election_crash = pick(rng, {0.0, 0.0, 0.1, 0.3});
  // Half the seeds: a partition holds messages and delivers them when it heals, as TCP does
  // through an iptables partition (the interposer of the process mode drops them).
  w->partition_hold = pick<Nanos>(rng, {0, 0, kSecond, 5 * kSecond});
  // Half the seeds: a node that started again may crash again within 30 ms, before its next fsync
  // (WorldOptions::restart_crash): what its recovery trusted and answered on must be durable.
  f->restart_crash = pick(rng, {0.0, 0.0, 0.3, 1.0});
  notes->push_back("latency " + std::to_string(w->latency.min / kMicro) + "-" + std::to_string(w->latency.max / kMicro) +
                   "us tail " + fmt(w->latency.tail) + " up to " + std::to_string(w->latency.tail_max / kMilli) + "ms" +
                   (w->latency.stall > 0 ? " stall " + fmt(w->latency.stall) + " up to " +
                                               std::to_string(w->latency.stall_max / kMilli) + "ms"
                                         : std::string()));
  notes->push_back("fsync " + std::to_string(w->disk.fsync_min / kMicro) + "-" + std::to_string(w->disk.fsync_max / kMicro) + "us");
  notes->push_back("max_msg_bytes " + std::to_string(w->max_msg_bytes) + " max_inflight_bytes " +
                   std::to_string(w->max_inflight_bytes) + " max_snapshot_chunk " + std::to_string(w->max_snapshot_chunk) +
                   " segment_bytes " + std::to_string(w->segment_bytes));
  notes->push_back("power_loss " + fmt(f->power_loss) + " slow_node " + fmt(f->slow_node) + " clock_drift " +
                   fmt(f->clock_drift) + " (rate 1+-" + fmt(f->drift_max) + ") slow_disk " + fmt(f->slow_disk));
  notes->push_back("duplicate " + fmt(w->duplicate) + (w->reorder ? " reorder" : ""));
  notes->push_back("inputs per step " + std::to_string(w->max_inputs_per_step));
  if (w->partition_hold > 0)
    notes->push_back("partitions hold messages up to " + std::to_string(w->partition_hold / kMilli) + "ms");
  if (f->bit_rot > 0) notes->push_back("bit_rot " + fmt(f->bit_rot));
  if (f->election_crash > 0) notes->push_back("election_crash " + fmt(f->election_crash));
  if (f->restart_crash > 0) notes->push_back("restart_crash " + fmt(f->restart_crash));
}

}  // namespace sim
