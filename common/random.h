#pragma once
// Rng: a small, fast, seeded generator (splitmix64 seeding a xoshiro256**). Same seed, same sequence,
// on every platform: the basis of replayable simulations and fault schedules. Not thread-safe;
// give each thread its own, derived with fork().
#include <cstdint>
#include <string>

namespace common {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1);
  uint64_t next_u64();
  // Uniform in [lo, hi] inclusive. Requires lo <= hi.
  int64_t uniform(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double next_double();
  bool chance(double p) { return next_double() < p; }
  // An independent generator derived from this one's stream and a label.
  Rng fork(uint64_t label);
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

// Stable 64-bit hash of a string (FNV-1a), for deriving seeds from names.
uint64_t hash64(const std::string& s);

}  // namespace common
