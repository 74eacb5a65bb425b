#pragma once
// Thin helpers to move a multipart message between a zmq::socket_t and a vector of strings. The
// caller owns the socket and must use it from one thread only.
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace wire {

// Receives one whole multipart message without blocking. Returns false when nothing is waiting.
// At most the last kMaxFrames frames are kept (earlier ones are read and dropped).
bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts);
// The same, and the connection's authenticated user id (the ZAP handler's answer, e.g. "n2" under
// CURVE, see curve.h) in `user_id`; empty when the connection was not authenticated.
bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts, std::string* user_id);

// Sends a multipart message without blocking. Returns false if ZeroMQ would block (high-water
// mark reached or, with ZMQ_IMMEDIATE, no connection): the message is then dropped.
bool send_multipart(zmq::socket_t& socket, const std::vector<std::string>& parts);

constexpr size_t kMaxFrames = 64;

// Makes `socket` refuse any incoming frame larger than `max_bytes` (ZMQ_MAXMSGSIZE): ZeroMQ drops
// the frame and the connection that sent it instead of buffering it whole, so no peer can make a
// node hold a 100 MB (or a 16 GiB announced) frame (issue 14). Call before bind/connect. The
// cluster file's `max_message_bytes` is the value every kvnode and Clerk socket should get.
void limit_message_size(zmq::socket_t& socket, uint64_t max_bytes);

// Counts, from a socket's monitor, the connections it lost and the handshakes that failed. This is
// how a node counts refused oversize frames, honestly named: libzmq 4.3 (Debian 12 has 4.3.4)
// handles a frame over ZMQ_MAXMSGSIZE in its decoder (EMSGSIZE), which ends the connection as a
// protocol error, and such an error raises only ZMQ_EVENT_DISCONNECTED on the monitor, the same
// event as a peer that closed its socket or died (stream_engine_base_t::error() in 4.3.4 skips the
// handshake-failure events for protocol errors). So `disconnected` is an upper bound on refused
// oversize frames, not their count; `handshake_failed` counts ZMTP/CURVE handshakes that failed
// (ZMQ_EVENT_HANDSHAKE_FAILED_*; a refused key shows up there too). The owning loop polls socket()
// for POLLIN and calls drain(). One thread; create it before `watched` binds or connects.
class ConnectionEvents {
 public:
  ConnectionEvents(zmq::context_t& context, zmq::socket_t& watched);
  zmq::socket_t& socket() { return monitor_; }
  struct Counts {
    uint64_t disconnected = 0;
    uint64_t handshake_failed = 0;
  };
  // Reads every pending event; returns what this call saw (totals: total()).
  Counts drain();
  Counts total() const { return total_; }

 private:
  zmq::socket_t monitor_;
  Counts total_;
};

}  // namespace wire
