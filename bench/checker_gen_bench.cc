// checker_gen_bench: generates a kv history of the given shape (seeded; verdict known by
// construction, checker/history_gen.h), checks it and prints the verdict beside the expected one,
// the median check time (parse excluded) and the peak resident memory. --write FILE saves the
// history as JSON lines instead, for timing `faultline check` on it. Prints figures; never passes
// or fails, except that a verdict other than the expected one exits 1.
// Usage: checker_gen_bench --ops 100000 --keys 1 --clients 5 --unknown 0.01 [--break impossible]
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "checker/checker.h"
#include "checker/history_gen.h"

int main(int argc, char** argv) {
  CLI::App app{"checker_gen_bench: the checker on a generated kv history with unknown outcomes"};
  checker::GenSpec spec;
  std::string breaks = "none", write_path;
  int runs = 3;
  int64_t max_memory_mib = 0;
  double timeout_s = 0;
  bool identical = false;
  app.add_option("--ops", spec.ops, "operations")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--keys", spec.keys, "keys")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--clients", spec.clients, "concurrent clients")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--unknown", spec.unknown, "share of operations ending unknown")->capture_default_str()->check(CLI::Range(0.0, 0.5));
  app.add_option("--fail", spec.fail, "share of operations failing")->capture_default_str()->check(CLI::Range(0.0, 0.5));
  app.add_option("--seed", spec.seed, "generator seed")->capture_default_str();
  app.add_option("--break", breaks, "none, impossible (a get returns a value nobody wrote) or stale "
                                    "(a get returns a value overwritten before it was called)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "impossible", "stale"}));
  app.add_flag("--identical", identical, "every write writes \"Q\" (identical pending operations)");
  app.add_option("--runs", runs, "timed checks; the figure is the median")->capture_default_str()->check(CLI::Range(1, 101));
  app.add_option("--max-memory", max_memory_mib, "as faultline check --max-memory (MiB)");
  app.add_option("--timeout", timeout_s, "as faultline check --timeout (s)");
  app.add_option("--write", write_path, "write the history as JSON lines to this file and stop");
  CLI11_PARSE(app, argc, argv);
  spec.unique_values = !identical;
  spec.breaks = breaks == "impossible" ? checker::GenSpec::Break::kImpossibleRead
                : breaks == "stale"    ? checker::GenSpec::Break::kStaleRead
                                       : checker::GenSpec::Break::kNone;
  const auto gen_start = std::chrono::steady_clock::now();
  checker::Generated g = checker::generate_kv_history(spec);
  const double gen_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - gen_start).count();
  if (!write_path.empty()) {
    std::ofstream out(write_path, std::ios::binary);
    out << checker::to_json_lines(g.history);
    if (!out) {
      std::fprintf(stderr, "checker_gen_bench: cannot write %s\n", write_path.c_str());
      return 2;
    }
    std::printf("%s: %zu operations, expected verdict %s\n", write_path.c_str(),
                g.history.ops.size(), g.linearizable ? "linearizable" : "violation");
    return 0;
  }
  checker::CheckOptions opts;
  opts.max_memory_bytes = max_memory_mib << 20;
  opts.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  std::vector<double> secs;
  checker::Verdict verdict = checker::Verdict::kUnknown;
  std::string message;
  for (int i = 0; i < runs; ++i) {
    auto r = checker::check(g.history, opts);
    if (!r) {
      std::fprintf(stderr, "checker_gen_bench: %s\n", r.status().message().c_str());
      return 2;
    }
    secs.push_back(r->seconds);
    verdict = r->verdict;
    message = r->message;
  }
  std::sort(secs.begin(), secs.end());
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 1) load[0] = -1;
  const char* expected = g.linearizable ? "linearizable" : "violation";
  std::printf("ops %lld keys %d clients %d unknown %.3f break %s%s seed %llu: verdict %s "
              "(expected %s)%s%s, check %.3f s (median of %d), generated in %.2f s, peak RSS %.0f MB, "
              "load %.2f\n",
              static_cast<long long>(spec.ops), spec.keys, spec.clients, spec.unknown,
              breaks.c_str(), identical ? " identical" : "", static_cast<unsigned long long>(spec.seed),
              std::string(checker::verdict_name(verdict)).c_str(), expected,
              message.empty() ? "" : ": ", message.c_str(), secs[secs.size() / 2], runs, gen_s,
              ru.ru_maxrss / 1024.0, load[0]);
  return std::string(checker::verdict_name(verdict)) == expected ? 0 : 1;
}
