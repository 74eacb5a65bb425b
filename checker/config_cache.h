#pragma once
// ConfigCache: the memo of configurations already explored by the search: (set of linearized
// operations, model state). An open-addressing hash set; the bitsets live in one arena, so an
// insert does no allocation except when the table or arena grows. Owned by one search (one thread).
//
// A set is stored as a window of its bitset: words [base, base + count), where every operation in
// the words below `base` is linearized and every word from base + count on is empty. The search
// passes base = (first operation not linearized) / 64 and base + count = (last linearized) / 64 + 1,
// so on a long history an entry holds the few words around the operations in flight, not one bit
// per operation of the whole history.
//
// Unknown-outcome operations are optional, so a configuration is dominated by one with the same
// state, the same definite operations and a subset of its unknown ones: whatever can follow the
// larger one can follow the smaller one. The hash covers the definite operations and the state
// only, and insert() refuses a configuration that an explored one dominates. The window's base
// is the first definite operation not linearized (unknown ones below it may or may not be): the
// unknown operations placed are compared through their signature when there are at most 64 of
// them (then exact), else through a sorted list of their ordinals kept with the entry. So an
// unknown operation left out for ever does not pin every entry's window to its word.
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

  // Inserts (bits, state) unless it or a configuration dominating it is present. `bits` is the
  // whole bitset; [base, end) the window described above. `hash` must be a hash of the state and
  // the definite operations' bits only: all configurations differing only in unknown operations
  // form one group (one slot), whose members are scanned in turn. Returns true if inserted.
  // `sig` summarizes the unknown operations in `bits` (a bit per unknown op, modulo 64): a subset
  // of unknown ops has a subset signature, so most group members are ruled out without their bits.
  // `unknown`: the ordinals of the unknown operations in `bits`, sorted.
  bool insert(uint64_t hash, State state, const uint64_t* bits, uint64_t sig,
              const std::vector<uint32_t>& unknown, size_t base, size_t end) {
    if (hash == 0) hash = 1;  // 0 marks an empty slot
    const Window probe{static_cast<uint32_t>(base), static_cast<uint32_t>(end - base)};
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.hash == 0) {
        s.hash = hash;
        s.state = state;
        if (any_unknown_) {
          s.group = static_cast<uint32_t>(groups_.size());
          groups_.emplace_back();
          add_member(groups_.back(), bits, probe, sig, unknown);
        } else {
          s.group = add_bits(bits, probe);  // without unknown ops every group has one member
        }
        if (++used_ * 2 > slots_.size()) grow();
        return true;
      }
      if (s.hash != hash || s.state != state) continue;
      if (!any_unknown_) {
        if (same_window(s.group, bits, probe)) return false;
        continue;
      }
      Group& g = groups_[s.group];
      if (!same_definite(g.entries[0], bits, probe)) continue;
      // Signatures are scanned first (contiguous); a member that dominates is swapped to the
      // front, since small unknown sets tend to dominate again.
      const size_t members = g.sigs.size();
      for (size_t m = 0; m < members; ++m) {
        if ((g.sigs[m] & ~sig) != 0 || !unknown_subset(g.entries[m], unknown)) continue;
        if (m != 0) {
          std::swap(g.sigs[m], g.sigs[0]);
          std::swap(g.entries[m], g.entries[0]);
        }
        return false;
      }
      add_member(g, bits, probe, sig, unknown);
      return true;
    }
  }

  size_t size() const { return entries_.size(); }
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t) +
           entries_.capacity() * sizeof(Window) + groups_.capacity() * sizeof(Group) +
           (any_unknown_ ? entries_.size() * (sizeof(uint64_t) + sizeof(uint32_t)) : 0) +
           unknown_arena_.capacity() * sizeof(uint32_t) +
           unknown_lists_.capacity() * sizeof(std::pair<uint64_t, uint32_t>);
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
    std::vector<uint32_t> entries;   // per member: entry index
  };
  // Window: an entry's words [base, base + count), stored in arena_ from `offset` on.
  struct Window {
    uint32_t base = 0;
    uint32_t count = 0;
    uint64_t offset = 0;
  };

  uint32_t add_bits(const uint64_t* bits, Window w) {
    w.offset = arena_.size();
    arena_.insert(arena_.end(), bits + w.base, bits + w.base + w.count);
    entries_.push_back(w);
    return static_cast<uint32_t>(entries_.size() - 1);
  }

  void add_member(Group& g, const uint64_t* bits, Window w, uint64_t sig,
                  const std::vector<uint32_t>& unknown) {
    g.sigs.push_back(sig);
    g.entries.push_back(add_bits(bits, w));
    if (!exact_sig_) {
      unknown_lists_.push_back({unknown_arena_.size(), static_cast<uint32_t>(unknown.size())});
      unknown_arena_.insert(unknown_arena_.end(), unknown.begin(), unknown.end());
    }
  }

  // Word `i` of entry `e`'s bitset.
  uint64_t word(uint32_t e, size_t i) const {
    const Window& w = entries_[e];
    if (i < w.base) return ~uint64_t{0};
    if (i >= size_t{w.base} + w.count) return 0;
    return arena_[w.offset + (i - w.base)];
  }

  // The words where entry `e` or the probe can differ from all ones / all zeros.
  std::pair<size_t, size_t> span(uint32_t e, Window probe) const {
    const Window& w = entries_[e];
    return {std::min(w.base, probe.base),
            std::max(size_t{w.base} + w.count, size_t{probe.base} + probe.count)};
  }

  bool same_window(uint32_t e, const uint64_t* bits, Window probe) const {
    const Window& w = entries_[e];
    return w.base == probe.base && w.count == probe.count &&
           std::memcmp(&arena_[w.offset], bits + probe.base, probe.count * sizeof(uint64_t)) == 0;
  }

  bool same_definite(uint32_t e, const uint64_t* bits, Window probe) const {
    const auto [from, to] = span(e, probe);
    for (size_t i = from; i < to && i < words_; ++i) {
      if (((word(e, i) ^ bits[i]) & ~unknown_mask_[i]) != 0) return false;
    }
    return true;
  }

  // Within a group: the stored unknown operations are a subset of `unknown` (sorted ordinals).
  bool unknown_subset(uint32_t e, const std::vector<uint32_t>& unknown) const {
    if (!any_unknown_ || exact_sig_) return true;
    const auto [offset, count] = unknown_lists_[e];
    const uint32_t* stored = unknown_arena_.data() + offset;
    return std::includes(unknown.begin(), unknown.end(), stored, stored + count);
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
  size_t used_ = 0;  // slots in use
  std::vector<Slot> slots_;
  std::vector<Group> groups_;
  std::vector<Window> entries_;
  std::vector<uint64_t> arena_;   // the entries' words, one window after another
  // Without exact signatures: per entry, (offset, count) of its unknown ordinals in the arena.
  std::vector<std::pair<uint64_t, uint32_t>> unknown_lists_;
  std::vector<uint32_t> unknown_arena_;
};

}  // namespace checker
