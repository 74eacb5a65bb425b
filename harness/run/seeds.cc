#include "harness/run/seeds.h"

#include "common/random.h"

namespace harness {

uint64_t RunSeeds::derive(Stream stream, int a, int b) const {
  common::Rng rng(seed_);
  const uint64_t out = rng.fork(stream)
                           .fork(static_cast<uint64_t>(a) + 1)
                           .fork(static_cast<uint64_t>(b) + 1)
                           .next_u64();
  return out == 0 ? 1 : out;
}

std::vector<uint64_t> RunSeeds::nodes(int count) const {
  std::vector<uint64_t> out;
  for (int n = 0; n < count; ++n) out.push_back(node(n));
  return out;
}

}  // namespace harness
