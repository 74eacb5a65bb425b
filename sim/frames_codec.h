#pragma once
// How the simulation carries a multipart message (the ZeroMQ frames the real drivers send) as the
// bytes of one simulated message: each frame as a 4-byte little-endian length and its bytes. The
// frames themselves come from the real codec. Routing frames stand for ZeroMQ's ROUTER identities:
// "@<endpoint>" names the simulated endpoint a request came from. Stateless; any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

std::string pack_frames(const std::vector<std::string>& frames);
// nullopt when the bytes are not a whole sequence of frames.
std::optional<std::vector<std::string>> unpack_frames(std::string_view bytes);
// Appends the frames to *frames (after what it holds, e.g. a routing frame); false, with *frames
// unspecified, when the bytes are not a whole sequence of frames.
bool unpack_frames_into(std::string_view bytes, std::vector<std::string>* frames);

std::string routing_frame(int endpoint);
// The endpoint of a routing frame, nullopt if it is not one.
std::optional<int> routing_endpoint(std::string_view frame);

}  // namespace sim
