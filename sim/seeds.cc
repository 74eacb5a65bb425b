#include "sim/seeds.h"

namespace sim {

uint64_t mix64(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Seeds::seed_of(std::string_view name) const {
  return mix64(run_seed_, common::hash64(std::string(name)));
}

common::Rng Seeds::stream(std::string_view name, int index) const {
  std::string full(name);
  full += '/';
  full += std::to_string(index);
  return stream(full);
}

}  // namespace sim
