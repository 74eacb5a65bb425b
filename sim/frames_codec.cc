#include "sim/frames_codec.h"

#include <charconv>
#include <cstdint>

namespace sim {

std::string pack_frames(const std::vector<std::string>& frames) {
  size_t total = 0;
  for (const auto& f : frames) total += 4 + f.size();
  std::string out;
  out.reserve(total);
  for (const auto& f : frames) {
    const uint32_t n = static_cast<uint32_t>(f.size());
    const char len[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                         static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    out.append(len, 4);
    out += f;
  }
  return out;
}

namespace {

// Calls add(frame) for each frame; false when the bytes are not a whole sequence of frames.
template <class Add>
bool for_each_frame(std::string_view bytes, Add add) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 4) return false;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + i])) << (8 * i);
    pos += 4;
    if (bytes.size() - pos < n) return false;
    add(bytes.substr(pos, n));
    pos += n;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> unpack_frames(std::string_view bytes) {
  std::vector<std::string> frames;
  if (!unpack_frames_into(bytes, &frames)) return std::nullopt;
  return frames;
}

bool unpack_frames_into(std::string_view bytes, std::vector<std::string>* frames) {
  size_t count = 0;
  if (!for_each_frame(bytes, [&](std::string_view) { ++count; })) return false;
  frames->reserve(frames->size() + count);
  for_each_frame(bytes, [&](std::string_view f) { frames->emplace_back(f); });
  return true;
}

std::string routing_frame(int endpoint) {
  std::string s(1, '@');  // appended: GCC 12 reports a false -Wrestrict on "lit" + to_string
  s += std::to_string(endpoint);
  return s;
}

std::optional<int> routing_endpoint(std::string_view frame) {
  if (frame.size() < 2 || frame[0] != '@') return std::nullopt;
  int e = 0;
  auto [p, ec] = std::from_chars(frame.data() + 1, frame.data() + frame.size(), e);
  if (ec != std::errc() || p != frame.data() + frame.size()) return std::nullopt;
  return e;
}

}  // namespace sim
