#include "cluster/wire/zmq_io.h"

#include <cstdint>
#include <cstring>

namespace wire {

bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts) {
  return recv_multipart(socket, parts, nullptr);
}

bool recv_multipart(zmq::socket_t& socket, std::vector<std::string>* parts, std::string* user_id) {
  parts->clear();
  if (user_id) user_id->clear();
  zmq::message_t msg;
  if (!socket.recv(msg, zmq::recv_flags::dontwait)) return false;
  while (true) {
    // Only frames from a ZAP-authenticated connection have the property (a ROUTER's routing-id
    // frame may have none): zmq_msg_gets returns null otherwise.
    if (user_id && user_id->empty())
      if (const char* u = zmq_msg_gets(msg.handle(), "User-Id")) *user_id = u;
    // Keep the last kMaxFrames frames: the message proper is the last three.
    if (parts->size() == kMaxFrames) parts->erase(parts->begin());
    parts->emplace_back(static_cast<const char*>(msg.data()), msg.size());
    if (!msg.more()) return true;
    // The rest of a multipart message is already here: ZeroMQ delivers messages atomically.
    if (!socket.recv(msg, zmq::recv_flags::none)) return true;
  }
}

ConnectionEvents::ConnectionEvents(zmq::context_t& context, zmq::socket_t& watched)
    : monitor_(context, zmq::socket_type::pair) {
  const std::string endpoint =
      "inproc://connection-events-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  if (zmq_socket_monitor(watched.handle(), endpoint.c_str(),
                         ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
    throw zmq::error_t();
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(endpoint);
}

ConnectionEvents::Counts ConnectionEvents::drain() {
  Counts seen;
  zmq::message_t event;
  // An event is two frames: [uint16 event][uint32 value], then the endpoint.
  while (monitor_.recv(event, zmq::recv_flags::dontwait)) {
    uint16_t id = 0;
    if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
    while (event.more()) {
      zmq::message_t rest;
      if (!monitor_.recv(rest, zmq::recv_flags::none)) break;
      event = std::move(rest);
    }
    if (id == ZMQ_EVENT_DISCONNECTED) ++seen.disconnected;
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL || id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
        id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
      ++seen.handshake_failed;
  }
  total_.disconnected += seen.disconnected;
  total_.handshake_failed += seen.handshake_failed;
  return seen;
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
