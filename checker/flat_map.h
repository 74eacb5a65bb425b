#pragma once
// FlatMap64: a small open-addressing hash map from uint64_t keys to uint32_t values, for the
// search's hot paths (no allocation per insert, one cache line per probe). Owned by one thread.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace checker {

class FlatMap64 {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  FlatMap64() : slots_(64) {}

  uint32_t find(uint64_t key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value == kAbsent) return kAbsent;
      if (s.key == key) return s.value;
    }
  }

  // Sets key -> value (value must not be kAbsent), replacing any previous value.
  void put(uint64_t key, uint32_t value) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.value == kAbsent) {
        s = {key, value};
        if (++size_ * 2 > slots_.size()) grow();
        return;
      }
      if (s.key == key) {
        s.value = value;
        return;
      }
    }
  }

  size_t size() const { return size_; }
  size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t value = kAbsent;
  };
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.value != kAbsent) put(s.key, s.value);
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace checker
