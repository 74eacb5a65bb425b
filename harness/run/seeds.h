#pragma once
// RunSeeds: every random stream of a run, derived from the scenario seed in this one place, so a
// run is recorded by its seed alone (scenario.yaml holds it; `--seed N` replays it). Each stream
// is named; streams never share draws, so adding draws to one leaves the others as they were.
//
//   schedule(p, i)   the times of phase p's nemesis entries in iteration i (periods)
//   faults(p, i)     the scheduled faults' random choices in phase p iteration i: sides of random
//                    halves, the order minority members / the bridge / the ring are taken from,
//                    the `random` node
//   steps(p, i)      the same choices for the fault steps before and after the workload
//   clients(p, i)    the workload's choices in phase p iteration i (operation mix, keys)
//   client_ids()     the identities workload clients are given (exactly-once de-duplication)
//   script_ids()     the identities script clients and verifiers are given
//   network()        the network's drops and delays
//   node(n)          node n's own randomness (its election timeouts): kvnode --seed
//   final_faults()   the random choices of the end-of-run heal and verification
// Plain value; pure functions.
#include <cstdint>
#include <vector>

namespace harness {

class RunSeeds {
 public:
  explicit RunSeeds(uint64_t scenario_seed) : seed_(scenario_seed) {}
  uint64_t scenario() const { return seed_; }

  uint64_t schedule(int phase, int iteration) const { return derive(kSchedule, phase, iteration); }
  uint64_t faults(int phase, int iteration) const { return derive(kFaults, phase, iteration); }
  uint64_t steps(int phase, int iteration) const { return derive(kSteps, phase, iteration); }
  uint64_t clients(int phase, int iteration) const { return derive(kClients, phase, iteration); }
  uint64_t client_ids() const { return derive(kClientIds, 0, 0); }
  uint64_t script_ids() const { return derive(kScriptIds, 0, 0); }
  uint64_t network() const { return derive(kNetwork, 0, 0); }
  uint64_t node(int n) const { return derive(kNode, n, 0); }
  std::vector<uint64_t> nodes(int count) const;
  uint64_t final_faults() const { return derive(kFinal, 0, 0); }

 private:
  enum Stream : uint64_t {
    kSchedule = 1, kFaults, kClients, kClientIds, kNetwork, kNode, kFinal, kSteps, kScriptIds
  };
  // Never 0 (0 means "pick one" to some consumers, e.g. kvnode --seed and Clerk ids).
  uint64_t derive(Stream stream, int a, int b) const;

  uint64_t seed_;
};

}  // namespace harness
