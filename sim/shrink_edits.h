#pragma once
// The reductions the shrinker (sim/shrink.h) tries, as pure edits of a scenario's YAML tree, and
// the delta-debugging search over a list that it runs them with. Nothing here runs a simulation:
// the caller says whether a candidate still fails, so each piece is unit-tested with a fake
// "still fails" predicate (shrink_edits_test.cc).
//  - coarse_candidates(): one structural edit each (drop a phase, cut repeats, drop a step, halve
//    the clients or the workload, drop the baseline network);
//  - materialize(): a phase's periodic and random nemesis entries written as the `at:` events the
//    seed's schedule draws (random halves as explicit sets, a random node as its index), so
//    single faults can be removed without redrawing the others;
//  - ddmin(): Zeller's delta debugging over the nemesis entries (halves, quarters, ... single
//    entries; a removed partition leaves the one before it in place for longer);
//  - fine_candidates(): merge a fault into the identical one before it, end the workload soon
//    after its last fault, narrow or thin a periodic entry that could not be materialized.
// Stateless functions; any thread.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/scenario/scenario.h"

namespace sim {

// One scenario a single edit away from the one it was made from.
struct Candidate {
  YAML::Node root;
  std::string edit;  // what changed, for the progress lines ("repeat of phase 0: 1")
  // A window or period edit: worth a run only if the seed's schedule has fewer faults after it
  // (scheduled_faults), since otherwise it changes when faults fire, not how many.
  bool cuts_schedule = false;
};

// The forward nemesis events `scenario`'s schedules draw for `seed`, over every phase and
// iteration (no run: the schedule is a function of the seed).
size_t scheduled_faults(const harness::Scenario& scenario, uint64_t seed);

// Structural edits, the largest cuts first.
std::vector<Candidate> coarse_candidates(const YAML::Node& root);

// Every phase that runs once and has a periodic entry, or an entry with a random target or random
// halves, gets its workload's nemesis schedule for `seed` written out as `at:` entries: the same
// times, the same sides, the same nodes. `scenario` is `root` loaded (its nodes count and fault
// arguments). nullopt when no phase has anything to write out.
std::optional<YAML::Node> materialize(const YAML::Node& root, const harness::Scenario& scenario,
                                      uint64_t seed);

// (phase, entry) of every nemesis entry of `root`, phase by phase.
std::vector<std::pair<size_t, size_t>> nemesis_entries(const YAML::Node& root);

// `root` with only the nemesis entries `keep` (indices into nemesis_entries(root)).
YAML::Node keep_nemesis_entries(const YAML::Node& root, const std::vector<size_t>& keep);

// The nemesis entries (indices into nemesis_entries(root)) whose fault a `heal` ends: partitions,
// clogs, unreliable networks.
std::vector<size_t> healable_entries(const YAML::Node& root);

// `root` with the entries `healed` (indices into nemesis_entries(root)) replaced by a `heal` at the
// same time: the fault before them ends there instead of being replaced (a fault fewer, and a
// different schedule from removing the entry, where the fault before it holds on).
YAML::Node heal_instead(const YAML::Node& root, const std::vector<size_t>& healed);

// The one-edit list of the first shrinker, in its order (drop a phase, cut repeats, drop a nemesis
// entry or a step, a periodic entry's window and period, halve the workload and the clients, drop
// the baseline network): the second search order starts with it.
std::vector<Candidate> legacy_candidates(const YAML::Node& root);

// Each nemesis entry dropped, then the window and period edits of each periodic entry.
std::vector<Candidate> entry_candidates(const YAML::Node& root);

// Small edits: drop an `at:` entry that repeats the `do` of the entry before it (no undo between),
// end each workload soon after its last fault, and the window and period edits of a periodic entry.
std::vector<Candidate> fine_candidates(const YAML::Node& root);

// Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input"):
// a subset of 0..n-1, in order, for which `fails` holds, removing chunks of halves, quarters, ...
// down to single items; 1-minimal unless `stop` said to stop early (a run budget). `fails` is
// assumed true of the whole list and is never asked about it; the empty list is tried first.
std::vector<size_t> ddmin(size_t n, const std::function<bool(const std::vector<size_t>&)>& fails,
                          const std::function<bool()>& stop);

// The faults a run applied, from its nemesis.jsonl text: forward actions that break something and
// succeeded, before the final heal (not an undo, not heal/restart/resume or `network: reliable`,
// not an action that failed, e.g. "no leader to partition"). One line each: "<phase> <time> s:
// <detail>".
std::vector<std::string> applied_faults(const std::string& nemesis_jsonl);

// The simulation's own fault episodes among a run's swarm lines (slow node, clock drift, slow
// disk; not "back to normal" or the power-loss totals).
int sim_fault_episodes(const std::vector<std::string>& sim_fault_lines);

// "6s", "1500ms", "250us", "1min" in microseconds (0: not a duration).
int64_t micros_of(const std::string& text);

}  // namespace sim
