// checker_bench: times checker::check() on the Porcupine test histories (parse excluded; one
// warm-up, then the median of 5 runs) and the HTML explanation of kv/c50-bad.txt. Prints figures;
// never passes or fails. Partitions run on a WorkerPool started once, as a Go program's goroutines
// run on threads its runtime started once (Porcupine's figures); --no-pool starts threads per check.
// Usage: checker_bench [--runs N] [--no-pool] [DATA_DIR] (see --help).
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "checker/checker.h"
#include "checker/worker_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Loaded {
  std::string name;
  checker::History history;
};

double check_all(const std::vector<const Loaded*>& set, checker::WorkerPool* pool) {
  const auto start = Clock::now();
  checker::CheckOptions opts;
  opts.pool = pool;
  for (const Loaded* l : set) {
    auto r = checker::check(l->history, opts);
    if (!r) {
      std::fprintf(stderr, "%s: %s\n", l->name.c_str(), r.status().message().c_str());
      std::exit(2);
    }
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double cpu_ms() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

// Median wall time of `runs` runs after a warm-up, and the median CPU time (all threads) of the
// same runs: on a busy shared machine the CPU time shows what the wall time would be on an idle one.
std::pair<double, double> median_ms(const std::vector<const Loaded*>& set, int runs,
                                    checker::WorkerPool* pool) {
  check_all(set, pool);  // warm-up
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const double c0 = cpu_ms();
    wall.push_back(check_all(set, pool));
    cpu.push_back(cpu_ms() - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"checker_bench: times the linearizability checker on the Porcupine histories "
               "(parse excluded) beside Porcupine's figures, and the HTML explanation of "
               "kv/c50-bad.txt"};
  std::string dir = FL_PORCUPINE_DATA;
  int runs = 5;
  app.add_option("DATA_DIR", dir, "directory holding kv/ and jepsen/ histories")
      ->capture_default_str();
  app.add_option("--runs", runs, "timed runs after a warm-up; figures are medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 101));
  bool no_pool = false;
  app.add_flag("--no-pool", no_pool,
               "start threads in each check of 1,000 operations or more, as faultline check "
               "does (smaller ones run on the calling thread either way)");
  CLI11_PARSE(app, argc, argv);
  std::vector<Loaded> all;
  std::vector<std::string> names;
  for (const char* sub : {"kv", "jepsen"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/" + sub, ec))
      names.push_back(std::string(sub) + "/" + e.path().filename().string());
    if (ec) {
      std::fprintf(stderr, "checker_bench: cannot read %s/%s: %s\n", dir.c_str(), sub,
                   ec.message().c_str());
      return 2;
    }
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    auto h = checker::parse_history_file(dir + "/" + n);
    if (!h) {
      std::fprintf(stderr, "%s\n", h.status().message().c_str());
      return 2;
    }
    all.push_back({n, std::move(h).value()});
  }
  auto pick = [&](auto pred) {
    std::vector<const Loaded*> v;
    for (const auto& l : all)
      if (pred(l.name)) v.push_back(&l);
    return v;
  };
  struct Case {
    const char* label;
    std::vector<const Loaded*> set;
    double porcupine_ms;
  };
  std::vector<Case> cases = {
      {"kv/c50-ok.txt", pick([](const std::string& n) { return n == "kv/c50-ok.txt"; }), 168},
      {"kv/c50-bad.txt", pick([](const std::string& n) { return n == "kv/c50-bad.txt"; }), 25},
      {"kv/c10-ok.txt", pick([](const std::string& n) { return n == "kv/c10-ok.txt"; }), 0.6},
      {"jepsen/etcd_002.log", pick([](const std::string& n) { return n == "jepsen/etcd_002.log"; }), 142},
      {"jepsen/etcd_*.log (all)", pick([](const std::string& n) { return n.rfind("jepsen/etcd_", 0) == 0; }), 413},
      {"whole set", pick([](const std::string&) { return true; }), 607},
  };
  std::optional<checker::WorkerPool> kept;
  if (!no_pool) kept.emplace();
  checker::WorkerPool* pool = kept ? &*kept : nullptr;
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 1) load[0] = -1;
  std::printf("threads: %u (%s), load average: %.2f, median of %d runs\n",
              std::thread::hardware_concurrency(), pool ? "kept in a pool" : "started per check",
              load[0], runs);
  std::printf("%-26s %6s %10s %10s %14s %13s\n", "histories", "files", "wall (ms)", "cpu (ms)",
              "porcupine (ms)", "speedup wall");
  for (const auto& c : cases) {
    const auto [wall, cpu] = median_ms(c.set, runs, pool);
    std::printf("%-26s %6zu %10.3f %10.3f %14.1f %12.1fx\n", c.label, c.set.size(), wall, cpu,
                c.porcupine_ms, c.porcupine_ms / wall);
  }

  // The explanation of kv/c50-bad.txt: check every partition, then render and write the page.
  auto bad = pick([](const std::string& n) { return n == "kv/c50-bad.txt"; });
  if (!bad.empty()) {
    const auto start = Clock::now();
    checker::CheckOptions opts;
    opts.explain = true;
    opts.pool = pool;
    auto r = checker::check(bad[0]->history, opts);
    const std::string path = std::filesystem::temp_directory_path() / "checker_bench_c50-bad.html";
    auto s = checker::write_html(bad[0]->history, *r, path);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("HTML explanation of kv/c50-bad.txt: %.1f ms, page %.2f MB, peak RSS %.1f MB (%s)\n",
                ms, ec ? 0.0 : bytes / 1e6, ru.ru_maxrss / 1024.0,
                s ? path.c_str() : s.message().c_str());
  }
  return 0;
}
