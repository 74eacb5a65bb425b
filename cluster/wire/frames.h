#pragma once
// Framing of one multipart ZeroMQ message: [envelope...][sender id][type][payload]. A ROUTER socket
// (and any proxy in between) prepends routing frames; the message proper is always the LAST three
// frames and everything before them is the envelope, which a reply must carry back unchanged.
// Value type; any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/wire/protocol.h"
#include "common/status.h"

namespace wire {

struct Frames {
  std::vector<std::string> envelope;  // routing frames to echo back in a reply (may be empty)
  std::string sender;                 // "n<id>" for nodes, "c<hex client id>" for clients
  MsgType type = MsgType::kRaft;
  std::string payload;
};

// Splits received frames. Fails (naming the frame) when there are fewer than three frames or the
// type frame is not exactly one known type byte.
common::Result<Frames> split_frames(std::vector<std::string> parts);

// The frames to send for a message (envelope first). The rvalue form moves the frames (a large
// payload, such as a Get's value, is not copied again).
std::vector<std::string> join_frames(const Frames& f);
std::vector<std::string> join_frames(Frames&& f);

}  // namespace wire
