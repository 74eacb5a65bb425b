// The interposer's proxy thread: receives from every frontend (requests to node j) and backend
// (node j's replies), applies the link rules (partition, drop, delay), and forwards or holds.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/clock.h"
#include "harness/net/interposer_impl.h"

namespace harness {
namespace {

using namespace interposer_detail;

// Receives one whole multipart message without blocking; false when none is waiting. Frames past
// kMaxFrames are consumed and discarded (the message then counts as malformed via `overflow`).
bool recv_parts(zmq::socket_t& s, std::vector<zmq::message_t>* parts, bool* overflow) {
  parts->clear();
  *overflow = false;
  zmq::message_t m;
  if (!s.recv(m, zmq::recv_flags::dontwait)) return false;
  while (true) {
    bool more = m.more();
    if (parts->size() < kMaxFrames) {
      parts->push_back(std::move(m));
    } else {
      *overflow = true;
    }
    if (!more) break;
    m = zmq::message_t();
    // The rest of a multipart message is already here once its first frame arrived.
    if (!s.recv(m, zmq::recv_flags::dontwait)) break;
  }
  return true;
}

bool send_parts(zmq::socket_t& s, std::vector<zmq::message_t>& parts) {
  for (size_t i = 0; i < parts.size(); ++i) {
    auto flags = zmq::send_flags::dontwait;
    if (i + 1 < parts.size()) flags = flags | zmq::send_flags::sndmore;
    // Only the first frame can fail with EAGAIN; later frames of a started message are queued.
    if (!s.send(parts[i], flags)) return false;
  }
  return true;
}

}  // namespace

void Interposer::Impl::count(int src, int dst, Counter c) {
  link_counts[static_cast<size_t>(local.index(src, dst)) * kNumCounters + c].fetch_add(
      1, std::memory_order_relaxed);
  if (c == kReqDrop || c == kRepDrop) total_dropped.fetch_add(1, std::memory_order_relaxed);
}

void Interposer::Impl::refresh_rules() {
  uint64_t v = version.load(std::memory_order_acquire);
  if (v == local_version) return;
  std::lock_guard<std::mutex> lock(mu);
  local = table;
  local_version = version.load(std::memory_order_relaxed);
}

int Interposer::Impl::source_of(const std::vector<zmq::message_t>& parts) const {
  std::string_view s;
  if (options.curve) {
    // The key the connection authenticated with (its ZAP user id), not what the sender frame says.
    const char* user = zmq_msg_gets(parts.back().handle(), "User-Id");
    if (user == nullptr) return kClients;
    s = user;
  } else {
    const zmq::message_t& sender = parts[parts.size() - 3];
    s = std::string_view(static_cast<const char*>(sender.data()), sender.size());
  }
  for (int i = 0; i < n; ++i) {
    if (s == options.nodes[i].sender) return i;
  }
  return kClients;
}

bool Interposer::Impl::blocked(int src, int dst, std::string_view client) const {
  return local.partitioned(src, dst) || (src == kClients && local.client_blocked(client, dst));
}

void Interposer::Impl::dispatch(bool reply, int src, int dst, std::string_view client,
                                std::vector<zmq::message_t>& parts) {
  const Counter fwd = reply ? kRepFwd : kReqFwd;
  const Counter drop = reply ? kRepDrop : kReqDrop;
  if (blocked(src, dst, client)) return count(src, dst, drop);
  const LinkRule& r = local.rule(src, dst);
  double p = reply ? r.drop_reply : r.drop_request;
  if (p > 0.0 && rng.chance(p)) return count(src, dst, drop);
  int64_t delay_ms = r.delay_max_ms > r.delay_min_ms ? rng.uniform(r.delay_min_ms, r.delay_max_ms)
                                                     : r.delay_min_ms;
  if (delay_ms == 0) {
    return count(src, dst, send(reply, src, dst, parts) ? fwd : drop);
  }
  if (heap.size() >= options.max_held) return count(src, dst, drop);
  heap.push(Held{common::monotonic_ns() + delay_ms * 1000000, seq++, reply, src, dst,
                 src == kClients ? std::string(client) : std::string(), std::move(parts)});
  held_count.store(heap.size(), std::memory_order_relaxed);
}

bool Interposer::Impl::send(bool reply, int src, int dst, std::vector<zmq::message_t>& parts) {
  return send_parts(reply ? front[dst] : back[backend_index(src, dst)], parts);
}

void Interposer::Impl::on_request(int j, std::vector<zmq::message_t>& parts) {
  total_requests.fetch_add(1, std::memory_order_relaxed);
  // [routing id][envelope...][sender][type][payload]
  if (parts.size() < 4) {
    malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  int src = source_of(parts);
  const zmq::message_t& sender = parts[parts.size() - 3];
  std::string_view client(static_cast<const char*>(sender.data()), sender.size());
  auto& r = routes[j];
  std::string rid(static_cast<const char*>(parts[0].data()), parts[0].size());
  auto it = r.find(rid);
  if (it == r.end()) {
    if (r.size() >= kMaxRoutes) r.clear();
    Route route;
    route.src = src;
    if (src == kClients) route.client = std::string(client);
    r.emplace(std::move(rid), std::move(route));
  } else if (it->second.src != src || (src == kClients && it->second.client != client)) {
    it->second.src = src;
    it->second.client = src == kClients ? std::string(client) : std::string();
  }
  dispatch(false, src, j, client, parts);
}

void Interposer::Impl::on_reply(int j, std::vector<zmq::message_t>& parts) {
  total_replies.fetch_add(1, std::memory_order_relaxed);
  // [frontend routing id][envelope...][sender][type][payload]
  if (parts.size() < 4) {
    malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::string rid(static_cast<const char*>(parts[0].data()), parts[0].size());
  auto it = routes[j].find(rid);
  if (it == routes[j].end()) return dispatch(true, kClients, j, std::string_view(), parts);
  dispatch(true, it->second.src, j, it->second.client, parts);
}

void Interposer::Impl::release_due() {
  int64_t now = common::monotonic_ns();
  while (!heap.empty() && heap.top().release_ns <= now) {
    // priority_queue::top is const; the element is popped right after, so moving from it is safe.
    Held h = std::move(const_cast<Held&>(heap.top()));
    heap.pop();
    const Counter fwd = h.reply ? kRepFwd : kReqFwd;
    const Counter drop = h.reply ? kRepDrop : kReqDrop;
    if (blocked(h.src, h.dst, h.client)) {
      count(h.src, h.dst, drop);
    } else {
      count(h.src, h.dst, send(h.reply, h.src, h.dst, h.parts) ? fwd : drop);
    }
  }
  held_count.store(heap.size(), std::memory_order_relaxed);
}

std::chrono::milliseconds Interposer::Impl::poll_wait() const {
  if (heap.empty()) return kMaxPollWait;
  int64_t wait_ns = heap.top().release_ns - common::monotonic_ns();
  if (wait_ns <= 0) return std::chrono::milliseconds(0);
  // Round up: waking early would only spin.
  auto ms = std::chrono::milliseconds((wait_ns + 999999) / 1000000);
  return std::min(ms, kMaxPollWait);
}

// A monitor event is two frames: [uint16 event][uint32 value] and the endpoint.
void Interposer::Impl::on_monitor_event(int b) {
  zmq::message_t event;
  while (monitors[b].recv(event, zmq::recv_flags::dontwait)) {
    uint16_t id = 0;
    if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
    while (event.more()) {
      zmq::message_t rest;
      if (!monitors[b].recv(rest, zmq::recv_flags::none)) break;
      event = std::move(rest);
    }
    // With CURVE a connection carries messages only once its handshake is done.
    const uint16_t up = options.curve ? ZMQ_EVENT_HANDSHAKE_SUCCEEDED : ZMQ_EVENT_CONNECTED;
    if (id == up) backend_up[b].store(true, std::memory_order_release);
    if (id == ZMQ_EVENT_DISCONNECTED) backend_up[b].store(false, std::memory_order_release);
  }
}

// ZAP (RFC 27) for the frontends: admit the cluster's keys, naming the connection by its key.
void Interposer::Impl::on_zap_request() {
  for (int k = 0; k < kBatch; ++k) {
    std::vector<zmq::message_t> req;
    bool overflow = false;
    if (!recv_parts(*zap, &req, &overflow)) return;
    auto frame = [&](size_t i) {
      return i < req.size() ? std::string(static_cast<const char*>(req[i].data()), req[i].size())
                            : std::string();
    };
    std::string user;
    if (frame(0) == "1.0" && req.size() >= 7 && frame(5) == "CURVE" && req[6].size() == 32) {
      char z85[41];
      if (zmq_z85_encode(z85, static_cast<const uint8_t*>(req[6].data()), 32) != nullptr) {
        auto it = zap_allowed.find(z85);
        if (it != zap_allowed.end()) user = it->second;
      }
    }
    if (user.empty()) curve_refused.fetch_add(1, std::memory_order_relaxed);
    std::vector<zmq::message_t> reply;
    reply.emplace_back(std::string_view("1.0"));
    reply.emplace_back(frame(1));
    reply.emplace_back(std::string_view(user.empty() ? "400" : "200"));
    reply.emplace_back(std::string_view(user.empty() ? "not a key of this cluster" : "OK"));
    reply.emplace_back(user);
    reply.emplace_back();
    send_parts(*zap, reply);
  }
}

void Interposer::Impl::run() {
  std::vector<zmq::pollitem_t> items;
  for (int j = 0; j < n; ++j) items.push_back({front[j].handle(), 0, ZMQ_POLLIN, 0});
  for (auto& b : back) items.push_back({b.handle(), 0, ZMQ_POLLIN, 0});
  for (auto& m : monitors) items.push_back({m.handle(), 0, ZMQ_POLLIN, 0});
  if (zap) items.push_back({zap->handle(), 0, ZMQ_POLLIN, 0});
  std::vector<zmq::message_t> parts;
  parts.reserve(8);
  int errors_in_a_row = 0;
  while (!stop_requested.load(std::memory_order_acquire)) {
    try {
      step(items, parts);
      errors_in_a_row = 0;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // e.g. the harness was stopped and continued
      if (e.num() == ETERM) break;
      proxy_errors.fetch_add(1, std::memory_order_relaxed);
      if (++errors_in_a_row >= kMaxProxyErrors) {
        proxy_failed.store(true, std::memory_order_release);
        break;
      }
    }
  }
  while (!heap.empty()) heap.pop();
  held_count.store(0);
  front.clear();
  back.clear();
  monitors.clear();
  zap.reset();
}

void Interposer::Impl::step(std::vector<zmq::pollitem_t>& items, std::vector<zmq::message_t>& parts) {
  bool overflow = false;
  zmq::poll(items.data(), items.size(), poll_wait());
  refresh_rules();
  const size_t nb = back.size();
  if (zap && (items.back().revents & ZMQ_POLLIN)) on_zap_request();
  for (int j = 0; j < n; ++j) {
    if (items[j].revents & ZMQ_POLLIN) {
      for (int k = 0; k < kBatch && recv_parts(front[j], &parts, &overflow); ++k) {
        if (overflow) {
          malformed.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        on_request(j, parts);
      }
    }
  }
  for (size_t b = 0; b < nb; ++b) {
    const int j = static_cast<int>(b) % n;  // backends are slot-major: b = slot * n + j
    if (items[n + b].revents & ZMQ_POLLIN) {
      for (int k = 0; k < kBatch && recv_parts(back[b], &parts, &overflow); ++k) {
        if (overflow) {
          malformed.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        on_reply(j, parts);
      }
    }
    if (items[n + nb + b].revents & ZMQ_POLLIN) on_monitor_event(static_cast<int>(b));
  }
  release_due();
}

}  // namespace harness
