#pragma once
// ConfigCache: the memo of configurations already explored by the search: (set of linearized
// operations, model state). An open-addressing hash set; the bitsets live in one arena, so an
// insert does no allocation except when the table or arena grows. Owned by one search (one thread).
#include <cstdint>
#include <cstring>
#include <vector>

#include "checker/model.h"

namespace checker {

class ConfigCache {
 public:
  explicit ConfigCache(size_t bitset_words) : words_(bitset_words) { slots_.resize(1024); }

  // Inserts (bits, state) unless present; `hash` must be a hash of both. Returns true if inserted.
  bool insert(uint64_t hash, State state, const uint64_t* bits) {
    if (hash == 0) hash = 1;  // 0 marks an empty slot
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.hash == 0) {
        s.hash = hash;
        s.state = state;
        s.offset = arena_.size();
        arena_.insert(arena_.end(), bits, bits + words_);
        if (++size_ * 2 > slots_.size()) grow();
        return true;
      }
      if (s.hash == hash && s.state == state &&
          std::memcmp(&arena_[s.offset], bits, words_ * sizeof(uint64_t)) == 0) {
        return false;
      }
    }
  }

  size_t size() const { return size_; }
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    State state = 0;
    uint64_t offset = 0;  // into arena_
  };

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.hash == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].hash != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  size_t words_;
  size_t size_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;
};

}  // namespace checker
