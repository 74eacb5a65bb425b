#pragma once
// Thin helpers to move a multipart message between a zmq::socket_t and a vector of strings. The
// caller owns the socket and must use it from one thread only.
#include <string>
#include <vector>
#include <zmq.hpp>

namespace wire {

// Receives one whole multipart message without blocking. Returns false when nothing is waiting.
// At most the last kMaxFrames frames are kept (earlier ones are read and dropped).
bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts);

// Sends a multipart message without blocking. Returns false if ZeroMQ would block (high-water
// mark reached or, with ZMQ_IMMEDIATE, no connection): the message is then dropped.
bool send_multipart(zmq::socket_t& socket, const std::vector<std::string>& parts);

constexpr size_t kMaxFrames = 64;

}  // namespace wire
