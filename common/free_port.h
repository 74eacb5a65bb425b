#pragma once
// Picks a free TCP port on 127.0.0.1 for a process we are about to start. Ports come from
// [20000, 32000), below Linux's ephemeral range (32768+), so no outgoing connection's local port
// can take the port between this probe and the child's bind; random, so parallel runs rarely
// probe the same one. Thread-safe.
#include <set>

namespace common {

// Returns 0 if none was found after a bounded number of probes. `avoid` lists ports already
// handed out (for picking several at once).
int pick_free_loopback_port(const std::set<int>& avoid = {});

}  // namespace common
