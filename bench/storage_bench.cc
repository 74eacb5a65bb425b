// storage_bench: latency of the node's durable log (cluster/node/storage) on the real disk.
// Prints p50/p99 of append+hard-state+sync for 1 and 16 entries per sync (group commit), a bare
// fdatasync for comparison, the same path without fdatasync (the storage's own cost), and the time
// of one snapshot + compaction. Figures only; no pass/fail.
// Usage: storage_bench [dir] [iterations]   (dir defaults to a fresh directory under /tmp)
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/node/storage/disk_storage.h"

namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void print(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  };
  std::printf("%-48s n=%-6zu p50 %8.1f us   p99 %8.1f us\n", what, us.size(), at(0.5), at(0.99));
}

int run(const std::string& dir, int iterations) {
  storage::PosixFileSystem fs;
  storage::Recovered recovered;
  auto opened = storage::DiskStorage::open(&fs, dir + "/data", {}, &recovered);
  if (!opened) {
    std::fprintf(stderr, "storage_bench: %s\n", opened.status().to_string().c_str());
    return 2;
  }
  storage::DiskStorage& st = *opened.value();
  const std::string payload(100, 'v');
  raft::Index next = 1;
  for (int batch : {1, 16}) {
    std::vector<double> us;
    for (int i = 0; i < iterations; ++i) {
      std::vector<raft::Entry> entries;
      for (int j = 0; j < batch; ++j)
        entries.push_back({1, next++, raft::EntryType::kNormal, payload});
      auto t0 = Clock::now();
      common::Status s = st.append(entries);
      if (s) s = st.set_hard_state({1, 1, next - 1});
      if (s) s = st.sync();
      if (!s) {
        std::fprintf(stderr, "storage_bench: %s\n", s.to_string().c_str());
        return 2;
      }
      us.push_back(micros(Clock::now() - t0));
    }
    std::string label = "append " + std::to_string(batch) + " x 100 B + hard state + sync";
    print(label.c_str(), us);
  }
  {
    auto file = fs.create(dir + "/raw");
    std::vector<double> us;
    for (int i = 0; i < iterations && file; ++i) {
      auto t0 = Clock::now();
      if (!file.value()->append(payload) || !file.value()->sync()) break;
      us.push_back(micros(Clock::now() - t0));
    }
    if (!us.empty()) print("bare write 100 B + fdatasync", us);
  }
  {  // the storage's own CPU cost: the same batches handed to the kernel without fdatasync
    std::vector<double> us;
    for (int i = 0; i < iterations; ++i) {
      std::vector<raft::Entry> entries{{1, next++, raft::EntryType::kNormal, payload}};
      auto t0 = Clock::now();
      common::Status s = st.append(entries);
      if (s) s = st.set_hard_state({1, 1, next - 1});
      if (s) s = st.flush();
      if (!s) break;
      us.push_back(micros(Clock::now() - t0));
    }
    if (!us.empty()) print("append 1 x 100 B + hard state + flush (no sync)", us);
  }
  if (common::Status s = st.sync(); !s) return 2;
  uint64_t log_before = st.log_bytes();
  auto t0 = Clock::now();
  common::Status s = st.save_snapshot({next - 1 - 100, 1, {1, 2, 3}, std::string(64 << 10, 's')});
  std::printf("%-48s %s in %.1f us (log %llu -> %llu bytes)\n", "snapshot 64 KB + compaction",
              s ? "ok" : s.to_string().c_str(), micros(Clock::now() - t0),
              static_cast<unsigned long long>(log_before),
              static_cast<unsigned long long>(st.log_bytes()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool temporary = argc < 2 || argv[1][0] == '\0';
  if (temporary) {
    char tmpl[] = "/tmp/storage_bench.XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    dir = tmpl;
  } else {
    dir = argv[1];
  }
  int iterations = argc > 2 ? std::max(10, std::atoi(argv[2])) : 2000;
  int rc = run(dir, iterations);
  if (temporary) std::filesystem::remove_all(dir);
  return rc;
}
