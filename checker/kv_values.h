#pragma once
// KvValues: the string values of one kv partition, interned. A value is a 32-bit id; equal strings
// always share an id (a hash match is confirmed by comparing the characters), so the search
// compares states as integers. A literal is a view of text the caller keeps alive (the history's
// own strings); a value built by appends is a chain (previous value, appended literal) with its
// hash, so append() is O(1) and computed once per (value, literal) pair. Owned by one thread.
//
// The hash is polynomial modulo the Mersenne prime 2^61-1: hash(s + t) follows from hash(s),
// hash(t) and len(t), and a prefix's hash from the hashes of every fourth prefix (kv_hash below),
// which is how the kv model tests "does this read start with that value" without the characters.
#include <cstdint>
#include <forward_list>
#include <string>
#include <string_view>
#include <vector>

#include "checker/flat_map.h"

namespace checker {
namespace kv_hash {

constexpr uint64_t kMod = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 1000003;

constexpr uint64_t mul_mod(uint64_t a, uint64_t b) {
  const __uint128_t p = static_cast<__uint128_t>(a) * b;
  const uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
  return r >= kMod ? r - kMod : r;
}

constexpr uint64_t add_mod(uint64_t a, uint64_t b) {
  const uint64_t r = a + b;
  return r >= kMod ? r - kMod : r;
}

constexpr uint64_t pow_mod(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  for (; e != 0; e >>= 1) {
    if (e & 1) r = mul_mod(r, b);
    b = mul_mod(b, b);
  }
  return r;
}

constexpr uint64_t kBase2 = pow_mod(kBase, 2), kBase3 = pow_mod(kBase, 3), kBase4 = pow_mod(kBase, 4);

inline uint64_t char_code(char ch) { return static_cast<uint64_t>(static_cast<unsigned char>(ch)) + 1; }

// The hash of four characters; its four products do not depend on each other, so they overlap in
// the pipeline.
inline uint64_t hash_chunk(const char* p) {
  return add_mod(add_mod(mul_mod(char_code(p[0]), kBase3), mul_mod(char_code(p[1]), kBase2)),
                 add_mod(mul_mod(char_code(p[2]), kBase), char_code(p[3])));
}

// Folds h = h * kBase + (ch + 1) over `s`, starting from `h`, four characters at a time.
uint64_t extend(uint64_t h, std::string_view s);

}  // namespace kv_hash

class KvValues {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  void reserve(size_t values);
  // The id of `text` (a view the caller keeps alive), with its hash if already known.
  uint32_t literal(std::string_view text) { return literal(text, kv_hash::extend(0, text)); }
  uint32_t literal(std::string_view text, uint64_t hash);
  // Keeps `text` here and returns a view of it (for texts the caller does not own).
  std::string_view keep(std::string text);
  // The id of value `value` followed by literal `literal`. `literal` must be an id literal()
  // returned before any append() built an equal string (literal() answers with the existing id
  // of an equal string, which may be an append chain): intern every literal first.
  uint32_t append(uint32_t value, uint32_t literal);

  uint64_t length(uint32_t id) const { return values_[id].len; }
  uint64_t hash(uint32_t id) const { return values_[id].hash; }
  // The text of a literal id (as returned by literal()).
  std::string_view literal_text(uint32_t id) const { return texts_[values_[id].piece]; }
  std::string materialize(uint32_t id) const;
  size_t memory_bytes() const;

 private:
  // Value: either a literal (parent == kNone, piece indexes texts_) or parent + appended literal.
  struct Value {
    uint64_t hash;
    uint64_t len;
    uint64_t pow;     // kBase^len mod kMod (literals only; appends use their piece's)
    uint32_t parent;  // value id, or kNone
    uint32_t piece;   // literal: index into texts_; append: value id of the appended literal
  };

  std::string_view piece_text(const Value& v) const { return texts_[values_[v.piece].piece]; }
  bool spells(uint32_t id, std::string_view text) const;
  uint32_t find_equal(uint64_t hash, uint64_t len, const std::string_view* text, uint32_t candidate);
  void index(uint32_t id);

  std::vector<Value> values_;
  std::vector<std::string_view> texts_;   // literal texts (the caller's, or kept_)
  std::forward_list<std::string> kept_;   // texts given to keep()
  size_t kept_bytes_ = 0;
  FlatMap64 by_hash_;                     // hash key -> latest value id with it
  std::vector<uint32_t> same_hash_next_;  // value id -> previous value id with the same key
  FlatMap64 appends_;                     // (value id << 32 | literal id) -> value id
};

}  // namespace checker
