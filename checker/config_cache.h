#pragma once
// ConfigCache: the memo of configurations already explored by the search: (set of linearized
// operations, model state). An open-addressing hash set; the bitsets live in one arena, so an
// insert does no allocation except when the table or arena grows. Owned by one search (one thread).
//
// Unknown-outcome operations are optional, so a configuration is dominated by one with the same
// state, the same definite operations and a subset of its unknown ones: whatever can follow the
// larger one can follow the smaller one. The hash covers the definite operations and the state
// only, and insert() refuses a configuration that an explored one dominates.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "checker/model.h"

namespace checker {

class ConfigCache {
 public:
  // `unknown_mask`: the bits of unknown-outcome operations (all zero when there are none).
  // `operations`: how many the partition has; the table starts in proportion and grows.
  ConfigCache(size_t bitset_words, std::vector<uint64_t> unknown_mask, size_t operations)
      : words_(bitset_words), unknown_mask_(std::move(unknown_mask)) {
    size_t unknown = 0;
    for (uint64_t w : unknown_mask_) unknown += static_cast<size_t>(__builtin_popcountll(w));
    any_unknown_ = unknown > 0;
    exact_sig_ = unknown <= 64;
    slots_.resize(std::bit_ceil(std::clamp<size_t>(4 * operations, 64, 1024)));
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
        if (any_unknown_) {
          s.group = static_cast<uint32_t>(groups_.size());
          groups_.emplace_back();
          add_member(groups_.back(), bits, sig);
        } else {
          s.group = add_bits(bits);  // without unknown ops every group has one member
        }
        if (++used_ * 2 > slots_.size()) grow();
        return true;
      }
      if (s.hash != hash || s.state != state) continue;
      if (!any_unknown_) {
        if (std::memcmp(entry(s.group), bits, words_ * sizeof(uint64_t)) == 0) return false;
        continue;
      }
      Group& g = groups_[s.group];
      if (!same_definite(entry(g.entries[0]), bits)) continue;
      // Signatures are scanned first (contiguous); a member that dominates is swapped to the
      // front, since small unknown sets tend to dominate again.
      const size_t members = g.sigs.size();
      for (size_t m = 0; m < members; ++m) {
        if ((g.sigs[m] & ~sig) != 0 || !unknown_subset(entry(g.entries[m]), bits)) continue;
        if (m != 0) {
          std::swap(g.sigs[m], g.sigs[0]);
          std::swap(g.entries[m], g.entries[0]);
        }
        return false;
      }
      add_member(g, bits, sig);
      return true;
    }
  }

  size_t size() const { return entries_; }
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t) +
           groups_.capacity() * sizeof(Group) + entries_ * (sizeof(uint64_t) + sizeof(uint32_t));
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    State state = 0;
    uint32_t group = 0;  // index into groups_ (or, without unknown ops, the entry itself)
  };
  // Group: the explored configurations with one (state, definite set), differing in unknown ops.
  struct Group {
    std::vector<uint64_t> sigs;      // per member: unknown-op signature
    std::vector<uint32_t> entries;   // per member: bitset index in arena_
  };

  const uint64_t* entry(uint32_t e) const { return &arena_[size_t{e} * words_]; }

  uint32_t add_bits(const uint64_t* bits) {
    const uint32_t e = static_cast<uint32_t>(entries_++);
    arena_.insert(arena_.end(), bits, bits + words_);
    return e;
  }

  void add_member(Group& g, const uint64_t* bits, uint64_t sig) {
    g.sigs.push_back(sig);
    g.entries.push_back(add_bits(bits));
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
  size_t entries_ = 0;
  size_t used_ = 0;  // slots in use
  std::vector<Slot> slots_;
  std::vector<Group> groups_;
  std::vector<uint64_t> arena_;   // entry e's bits at [e * words_, (e + 1) * words_)
};

}  // namespace checker
