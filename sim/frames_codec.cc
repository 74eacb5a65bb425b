#include "sim/frames_codec.h"

#include <charconv>
#include <cstdint>
#include <system_error>

namespace sim {

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
