#pragma once
// Routing frames: how the simulation stands for ZeroMQ's ROUTER identities. A message travels the
// SimNetwork as its frames (the ZeroMQ frames the real drivers send, each from the real codec);
// a node's driver puts "@<endpoint>", the simulated endpoint the request came from, in front of
// them, and the core's reply starts with it. Stateless; any thread.
#include <optional>
#include <string>
#include <string_view>

namespace sim {

std::string routing_frame(int endpoint);
// The endpoint of a routing frame, nullopt if it is not one.
std::optional<int> routing_endpoint(std::string_view frame);

}  // namespace sim
