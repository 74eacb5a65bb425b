// interposer_bench: prints the round-trip latency of a small request/reply directly to a ROUTER
// echo endpoint and through the Interposer (one hop each way), and the difference per hop. A
// figure, not a test: on a busy machine the numbers move. Usage: interposer_bench [round_trips]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "harness/net/interposer.h"

namespace {

// Echoes every message back with its envelope until `stop`. Owns its socket; runs on one thread.
void echo_loop(zmq::socket_t& node, const std::atomic<bool>& stop) {
  node.set(zmq::sockopt::rcvtimeo, 50);
  std::vector<zmq::message_t> parts;
  while (!stop.load()) {
    parts.clear();
    zmq::message_t m;
    if (!node.recv(m)) continue;
    bool more = m.more();
    parts.push_back(std::move(m));
    while (more) {
      zmq::message_t next;
      if (!node.recv(next)) break;
      more = next.more();
      parts.push_back(std::move(next));
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      node.send(parts[i], i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
}

// Mean microseconds per round trip over `n` sequential requests (after as many warm-up ones).
double round_trip_us(zmq::context_t& ctx, const std::string& address, int n) {
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.set(zmq::sockopt::linger, 0);
  d.set(zmq::sockopt::rcvtimeo, 5000);
  d.connect(address);
  const std::string payload(100, 'x');
  double us = 0;
  for (int pass = 0; pass < 2; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      d.send(zmq::str_buffer("c1"), zmq::send_flags::sndmore);
      d.send(zmq::str_buffer("T"), zmq::send_flags::sndmore);
      d.send(zmq::buffer(payload), zmq::send_flags::none);
      zmq::message_t m;
      do {
        if (!d.recv(m)) return -1;  // no answer within 5 s
      } while (m.more());
    }
    us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
         n;
  }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20000;
  zmq::context_t ctx(1);
  zmq::socket_t node(ctx, zmq::socket_type::router);
  node.set(zmq::sockopt::linger, 0);
  node.bind("tcp://127.0.0.1:*");
  const std::string address = node.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] { echo_loop(node, stop); });

  harness::Interposer net({{{"n1", address}}, 1});
  if (auto st = net.start(); !st) {
    std::fprintf(stderr, "interposer_bench: %s\n", st.to_string().c_str());
    stop = true;
    echo.join();
    return 2;
  }
  for (int i = 0; i < 5000 && !net.node_reachable(0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  double direct = round_trip_us(ctx, address, n);
  double proxied = round_trip_us(ctx, net.frontend_address(0), n);
  stop = true;
  echo.join();
  net.stop();
  std::printf("round trips: %d (100-byte payload, loopback TCP)\n", n);
  std::printf("direct:             %8.1f us per round trip\n", direct);
  std::printf("through interposer: %8.1f us per round trip\n", proxied);
  std::printf("added per hop:      %8.1f us\n", (proxied - direct) / 2);
  std::printf("interposer counted: %llu requests, %llu replies\n",
              static_cast<unsigned long long>(net.counters().total_requests),
              static_cast<unsigned long long>(net.counters().total_replies));
  return direct < 0 || proxied < 0 ? 1 : 0;
}
