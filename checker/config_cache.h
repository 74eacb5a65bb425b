#pragma once
// ConfigCache: the memo of configurations already explored by the search: (set of linearized
// operations, model state). An open-addressing hash set; the bitsets live in one arena, so an
// insert does no allocation except when the table or arena grows. Owned by one search (one thread).
//
// Unknown-outcome operations are optional, so a configuration is dominated by one with the same
// state, the same definite operations and a subset of its unknown ones: whatever can follow the
// larger one can follow the smaller one. The hash covers the definite operations and the state
// only, and insert() refuses a configuration that an explored one dominates.
#include <cstdint>
#include <cstring>
#include <vector>

#include "checker/model.h"

namespace checker {

class ConfigCache {
 public:
  // `unknown_mask`: the bits of unknown-outcome operations (all zero when there are none).
  ConfigCache(size_t bitset_words, std::vector<uint64_t> unknown_mask)
      : words_(bitset_words), unknown_mask_(std::move(unknown_mask)) {
    size_t unknown = 0;
    for (uint64_t w : unknown_mask_) unknown += static_cast<size_t>(__builtin_popcountll(w));
    any_unknown_ = unknown > 0;
    exact_sig_ = unknown <= 64;
    slots_.resize(1024);
  }

  // Inserts (bits, state) unless it or a configuration dominating it is present. `hash` must be
  // a hash of the state and the definite operations' bits only: all configurations differing only
  // in unknown operations form one group (one slot), whose members are scanned in turn.
  // Returns true if inserted.
  // `sig` summarizes the unknown operations in `bits` (a bit per unknown op, modulo 64): a subset
  // of unknown ops has a subset signature, so most group members are ruled out without their bits.
  bool insert(uint64_t hash, State state, const uint64_t* bits, uint64_t sig) {
    if (hash == 0) hash = 1;  // 0 marks an empty slot
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.hash == 0) {
        s.hash = hash;
        s.state = state;
        s.head = add_entry(bits, sig, kNoEntry);
        if (++groups_ * 2 > slots_.size()) grow();
        return true;
      }
      if (s.hash != hash || s.state != state || !same_definite(entry(s.head), bits)) continue;
      // Only the newest members are compared: missing an older dominating one costs some
      // repeated work, never a wrong answer, and keeps each lookup short.
      int budget = kGroupScan;
      for (uint32_t e = s.head; e != kNoEntry && budget-- > 0; e = links_[e].next) {
        if ((links_[e].sig & ~sig) == 0 && unknown_subset(entry(e), bits)) return false;
      }
      s.head = add_entry(bits, sig, s.head);
      return true;
    }
  }

  size_t size() const { return links_.size(); }
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t) +
           links_.capacity() * sizeof(Link);
  }

 private:
  static constexpr uint32_t kNoEntry = UINT32_MAX;
  static constexpr int kGroupScan = INT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    State state = 0;
    uint32_t head = kNoEntry;  // newest entry of the group
  };

  const uint64_t* entry(uint32_t e) const { return &arena_[size_t{e} * words_]; }

  uint32_t add_entry(const uint64_t* bits, uint64_t sig, uint32_t next) {
    arena_.insert(arena_.end(), bits, bits + words_);
    links_.push_back({sig, next});
    return static_cast<uint32_t>(links_.size() - 1);
  }

  bool same_definite(const uint64_t* stored, const uint64_t* bits) const {
    if (!any_unknown_) return std::memcmp(stored, bits, words_ * sizeof(uint64_t)) == 0;
    for (size_t w = 0; w < words_; ++w) {
      if (((stored[w] ^ bits[w]) & ~unknown_mask_[w]) != 0) return false;
    }
    return true;
  }

  // Within a group: the stored unknown operations are a subset of those in `bits`.
  bool unknown_subset(const uint64_t* stored, const uint64_t* bits) const {
    if (!any_unknown_ || exact_sig_) return true;
    for (size_t w = 0; w < words_; ++w) {
      if ((stored[w] & ~bits[w]) != 0) return false;
    }
    return true;
  }

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
  std::vector<uint64_t> unknown_mask_;
  bool any_unknown_ = false;
  bool exact_sig_ = false;  // at most 64 unknown ops: signatures are exact
  size_t groups_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;   // entry e's bits at [e * words_, (e + 1) * words_)
  struct Link {
    uint64_t sig;   // the entry's unknown-op signature
    uint32_t next;  // older entry of the same group
  };
  std::vector<Link> links_;
};

}  // namespace checker
