// interposer_bench: prints the round-trip latency of a small request/reply directly to a ROUTER
// echo endpoint and through the Interposer (one hop each way), and the difference per hop. A
// figure, not a test: on a busy machine the numbers move. Usage: interposer_bench [round_trips]
#include <sys/resource.h>

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

// CPU time (user + system) of the whole process so far, in microseconds.
double process_cpu_us() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

struct Figures {
  double wall_us = -1;  // per round trip
  double cpu_us = -1;   // process CPU per round trip (client, echo node and interposer together)
};

// Per round trip over `n` sequential requests (after as many warm-up ones).
Figures round_trip(zmq::context_t& ctx, const std::string& address, int n) {
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.set(zmq::sockopt::linger, 0);
  d.set(zmq::sockopt::rcvtimeo, 5000);
  d.connect(address);
  const std::string payload(100, 'x');
  Figures f;
  for (int pass = 0; pass < 2; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    double cpu0 = process_cpu_us();
    for (int i = 0; i < n; ++i) {
      d.send(zmq::str_buffer("c1"), zmq::send_flags::sndmore);
      d.send(zmq::str_buffer("T"), zmq::send_flags::sndmore);
      d.send(zmq::buffer(payload), zmq::send_flags::none);
      zmq::message_t m;
      do {
        if (!d.recv(m)) return Figures{};  // no answer within 5 s
      } while (m.more());
    }
    f.wall_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
        n;
    f.cpu_us = (process_cpu_us() - cpu0) / n;
  }
  return f;
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
  Figures direct = round_trip(ctx, address, n);
  Figures proxied = round_trip(ctx, net.frontend_address(0), n);
  stop = true;
  echo.join();
  net.stop();
  std::printf("round trips: %d (100-byte payload, loopback TCP)\n", n);
  std::printf("                    wall us/round trip   CPU us/round trip\n");
  std::printf("direct:             %18.1f %19.1f\n", direct.wall_us, direct.cpu_us);
  std::printf("through interposer: %18.1f %19.1f\n", proxied.wall_us, proxied.cpu_us);
  std::printf("added per hop:      %18.1f %19.1f\n", (proxied.wall_us - direct.wall_us) / 2,
              (proxied.cpu_us - direct.cpu_us) / 2);
  std::printf("interposer counted: %llu requests, %llu replies\n",
              static_cast<unsigned long long>(net.counters().total_requests),
              static_cast<unsigned long long>(net.counters().total_replies));
  return direct.wall_us < 0 || proxied.wall_us < 0 ? 1 : 0;
}
