#include "checker/kv_values.h"

namespace checker {
namespace kv_hash {

uint64_t extend(uint64_t h, std::string_view s) {
  size_t i = 0;
  for (; i + 4 <= s.size(); i += 4) h = add_mod(mul_mod(h, kBase4), hash_chunk(&s[i]));
  for (; i < s.size(); ++i) h = add_mod(mul_mod(h, kBase), char_code(s[i]));
  return h;
}

}  // namespace kv_hash

namespace {

uint64_t key_of(uint64_t hash, uint64_t len) { return hash ^ (len * 0x9e3779b97f4a7c15ULL); }

}  // namespace

void KvValues::reserve(size_t values) {
  values_.reserve(values);
  same_hash_next_.reserve(values);
  texts_.reserve(values / 2 + 1);
}

std::string_view KvValues::keep(std::string text) {
  const std::string& s = kept_.emplace_front(std::move(text));
  kept_bytes_ += s.capacity() + sizeof(std::string);
  return s;
}

std::string KvValues::materialize(uint32_t id) const {
  std::string s(values_[id].len, '\0');
  size_t end = s.size();
  for (; values_[id].parent != kNone; id = values_[id].parent) {
    const std::string_view piece = piece_text(values_[id]);
    end -= piece.size();
    piece.copy(s.data() + end, piece.size());
  }
  texts_[values_[id].piece].copy(s.data(), end);
  return s;
}

// True if value `id` spells `text`: compares piece by piece from the end, without building it.
bool KvValues::spells(uint32_t id, std::string_view text) const {
  if (values_[id].len != text.size()) return false;
  size_t end = text.size();
  for (; values_[id].parent != kNone; id = values_[id].parent) {
    const std::string_view piece = piece_text(values_[id]);
    end -= piece.size();
    if (text.compare(end, piece.size(), piece) != 0) return false;
  }
  return text.substr(0, end) == texts_[values_[id].piece];
}

// The id of an existing value equal to `text` (or, when `text` is null, to value `candidate`)
// with this hash and length; kNone if there is none.
uint32_t KvValues::find_equal(uint64_t hash, uint64_t len, const std::string_view* text,
                              uint32_t candidate) {
  std::string built;  // `candidate` spelled out, only if compared with another append chain
  for (uint32_t id = by_hash_.find(key_of(hash, len)); id != FlatMap64::kAbsent;
       id = same_hash_next_[id]) {
    const Value& v = values_[id];
    if (v.hash != hash || v.len != len) continue;
    if (text != nullptr) {
      if (spells(id, *text)) return id;
    } else if (v.parent == kNone) {
      if (spells(candidate, texts_[v.piece])) return id;
    } else {
      if (built.empty()) built = materialize(candidate);
      if (spells(id, built)) return id;
    }
  }
  return kNone;
}

uint32_t KvValues::literal(std::string_view text, uint64_t hash) {
  if (uint32_t id = find_equal(hash, text.size(), &text, kNone); id != kNone) return id;
  const uint32_t id = static_cast<uint32_t>(values_.size());
  values_.push_back({hash, text.size(), kv_hash::pow_mod(kv_hash::kBase, text.size()), kNone,
                     static_cast<uint32_t>(texts_.size())});
  texts_.push_back(text);
  index(id);
  return id;
}

// Adds value `id` to the hash index (values with equal hash keys are chained).
void KvValues::index(uint32_t id) {
  const uint64_t key = key_of(values_[id].hash, values_[id].len);
  same_hash_next_.resize(values_.size(), FlatMap64::kAbsent);
  same_hash_next_[id] = by_hash_.find(key);
  by_hash_.put(key, id);
}

uint32_t KvValues::append(uint32_t value, uint32_t literal) {
  const uint64_t key = (uint64_t{value} << 32) | literal;
  if (uint32_t known = appends_.find(key); known != FlatMap64::kAbsent) return known;
  const Value& a = values_[value];
  const Value& b = values_[literal];
  const uint64_t h = kv_hash::add_mod(kv_hash::mul_mod(a.hash, b.pow), b.hash);
  const uint64_t len = a.len + b.len;
  uint32_t id;
  if (b.len == 0) {
    id = value;
  } else {
    id = static_cast<uint32_t>(values_.size());
    values_.push_back({h, len, 0, value, literal});
    if (uint32_t same = find_equal(h, len, nullptr, id); same != kNone) {
      values_.pop_back();
      id = same;
    } else {
      index(id);
    }
  }
  appends_.put(key, id);
  return id;
}

size_t KvValues::memory_bytes() const {
  return values_.capacity() * sizeof(Value) + texts_.capacity() * sizeof(std::string_view) +
         kept_bytes_ + by_hash_.bytes() + same_hash_next_.capacity() * sizeof(uint32_t) +
         appends_.bytes();
}

}  // namespace checker
