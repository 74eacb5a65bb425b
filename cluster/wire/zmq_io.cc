#include "cluster/wire/zmq_io.h"

namespace wire {

bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts) {
  parts->clear();
  zmq::message_t msg;
  if (!socket.recv(msg, zmq::recv_flags::dontwait)) return false;
  while (true) {
    // Keep the last kMaxFrames frames: the message proper is the last three.
    if (parts->size() == kMaxFrames) parts->erase(parts->begin());
    parts->emplace_back(static_cast<const char*>(msg.data()), msg.size());
    if (!msg.more()) return true;
    // The rest of a multipart message is already here: ZeroMQ delivers messages atomically.
    if (!socket.recv(msg, zmq::recv_flags::none)) return true;
  }
}

bool send_multipart(zmq::socket_t& socket, const std::vector<std::string>& parts) {
  for (size_t i = 0; i < parts.size(); ++i) {
    auto flags = zmq::send_flags::dontwait;
    if (i + 1 < parts.size()) flags = flags | zmq::send_flags::sndmore;
    if (!socket.send(zmq::buffer(parts[i]), flags)) return false;
  }
  return true;
}

void limit_message_size(zmq::socket_t& socket, uint64_t max_bytes) {
  socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_bytes));
}

}  // namespace wire
