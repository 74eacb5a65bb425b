#include "cluster/wire/frames.h"

#include <string>
#include <utility>

namespace wire {

common::Result<Frames> split_frames(std::vector<std::string> parts) {
  if (parts.size() < 3)
    return common::Status::corruption("message has " + std::to_string(parts.size()) +
                                      " frames, expected at least 3 ([sender][type][payload])");
  const size_t n = parts.size();
  const std::string& type = parts[n - 2];
  if (type.size() != 1 || !valid_msg_type(static_cast<uint8_t>(type[0])))
    return common::Status::corruption("frame " + std::to_string(n - 2) + " (type): " +
                                      (type.size() != 1
                                           ? "expected 1 byte, got " + std::to_string(type.size())
                                           : "unknown type " + std::to_string(uint8_t(type[0]))) +
                                      " at byte 0");
  Frames f;
  f.type = static_cast<MsgType>(static_cast<uint8_t>(type[0]));
  f.payload = std::move(parts[n - 1]);
  f.sender = std::move(parts[n - 3]);
  parts.resize(n - 3);
  f.envelope = std::move(parts);
  return f;
}

std::vector<std::string> join_frames(const Frames& f) {
  std::vector<std::string> parts = f.envelope;
  parts.push_back(f.sender);
  parts.push_back(std::string(1, static_cast<char>(f.type)));
  parts.push_back(f.payload);
  return parts;
}

std::vector<std::string> join_frames(Frames&& f) {
  std::vector<std::string> parts = std::move(f.envelope);
  parts.reserve(parts.size() + 3);
  parts.push_back(std::move(f.sender));
  parts.push_back(std::string(1, static_cast<char>(f.type)));
  parts.push_back(std::move(f.payload));
  return parts;
}

}  // namespace wire
