#pragma once
// Seeds for the simulation's own tests: SIM_SEED=n replays one; otherwise `count` seeds from 1.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace sim::testing {

inline std::vector<uint64_t> seeds(int count) {
  if (const char* s = std::getenv("SIM_SEED")) return {std::strtoull(s, nullptr, 10)};
  std::vector<uint64_t> out;
  for (int i = 1; i <= count; ++i) out.push_back(static_cast<uint64_t>(i));
  return out;
}

inline std::string trace(uint64_t seed) {
  std::string s = "seed=";
  s += std::to_string(seed);
  s += " (replay with SIM_SEED=";
  s += std::to_string(seed);
  s += ")";
  return s;
}

// prefix + number, built by appending (GCC 12 reports a false -Wrestrict on "lit" + to_string).
inline std::string label(const char* prefix, int64_t n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

}  // namespace sim::testing
