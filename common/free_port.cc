#include "common/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace common {

int pick_free_loopback_port(const std::set<int>& avoid) {
  thread_local std::mt19937_64 rng(std::random_device{}() ^ uint64_t(getpid()));
  for (int attempt = 0; attempt < 500; ++attempt) {
    int port = 20000 + static_cast<int>(rng() % 12000);
    if (avoid.count(port)) continue;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return port;
  }
  return 0;
}

}  // namespace common
