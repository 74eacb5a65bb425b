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

// Sends a multipart message without blocking. Returns false if ZeroMQ would block (high-water
// mark reached or, with ZMQ_IMMEDIATE, no connection): the message is then dropped.
bool send_multipart(zmq::socket_t& socket, const std::vector<std::string>& parts);

constexpr size_t kMaxFrames = 64;

// Makes `socket` refuse any incoming frame larger than `max_bytes` (ZMQ_MAXMSGSIZE): ZeroMQ drops
// the frame and the connection that sent it instead of buffering it whole, so no peer can make a
// node hold a 100 MB (or a 16 GiB announced) frame (issue 14). Call before bind/connect. The
// cluster file's `max_message_bytes` is the value every kvnode and Clerk socket should get.
void limit_message_size(zmq::socket_t& socket, uint64_t max_bytes);

}  // namespace wire
