#pragma once
// Little-endian binary encoding helpers shared by the wire protocol and the durable log.
// Writer appends to a std::string; Reader consumes a string_view and reports truncation
// (with the byte offset) instead of reading past the end. Neither is thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

namespace common {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::string* out) : out_(out) {}
  void u8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void bytes(std::string_view s) {  // length-prefixed
    varint(s.size());
    out_->append(s);
  }

 private:
  void fixed(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_->push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string* out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}
  bool u8(uint8_t* v) {
    if (pos_ + 1 > in_.size()) return fail();
    *v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool u32(uint32_t* v) {
    uint64_t x;
    if (!fixed(&x, 4)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool u64(uint64_t* v) { return fixed(v, 8); }
  bool varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!u8(&b)) return false;
      result |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = result;
        return true;
      }
    }
    return fail();
  }
  bool bytes(std::string* s) {
    uint64_t n;
    if (!varint(&n)) return false;
    if (n > in_.size() - pos_) return fail();
    s->assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  size_t offset() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  bool failed() const { return failed_; }

 private:
  bool fixed(uint64_t* v, int n) {
    if (pos_ + n > in_.size()) return fail();
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x |= uint64_t(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += n;
    *v = x;
    return true;
  }
  bool fail() {
    failed_ = true;
    return false;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace common
