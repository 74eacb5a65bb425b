#pragma once
// Shared scaffolding for the simulation tests: the per-seed trace line and default options.
#include <string>

#include "cluster/raft/testing/simulation.h"

namespace raft::testing {

inline std::string seed_trace(uint64_t seed) {
  return "seed=" + std::to_string(seed) + " (replay with RAFT_SEED=" + std::to_string(seed) + ")";
}

// prefix + number, built by appending (GCC 12 reports a false -Wrestrict on "lit" + to_string).
inline std::string label(const char* prefix, uint64_t k) {
  std::string s = prefix;
  s += std::to_string(k);
  return s;
}

inline SimOptions sim_options(int nodes, uint64_t seed) {
  SimOptions o;
  o.nodes = nodes;
  o.seed = seed;
  o.config = sim_config();
  return o;
}

}  // namespace raft::testing
