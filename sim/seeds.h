#pragma once
// Seeds: the one place a run's seed becomes the generators of its parts. Each part draws from its
// own named stream ("network", "disk/n2", "client/3", ...), derived from the run seed and the
// name only, so adding a random draw in one part never shifts the draws of another: a seed keeps
// meaning the same faults when the code around it changes a little. Plain value; any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/random.h"

namespace sim {

class Seeds {
 public:
  explicit Seeds(uint64_t run_seed) : run_seed_(run_seed) {}
  uint64_t run_seed() const { return run_seed_; }
  // The seed of stream `name`: a mix of the run seed and the name's hash.
  uint64_t seed_of(std::string_view name) const;
  common::Rng stream(std::string_view name) const { return common::Rng(seed_of(name)); }
  // "name/index", e.g. stream("disk", 2) for node 2's disk.
  common::Rng stream(std::string_view name, int index) const;

 private:
  uint64_t run_seed_;
};

// A 64-bit mix of two values (splitmix64 finalizer over their combination).
uint64_t mix64(uint64_t a, uint64_t b);

}  // namespace sim
