// history_bench: the two compact history encodings measured on a recorded history
// (docs/benchmarks.md, "History size"). Replays the events of a plain JSON-lines history through
// harness::HistoryWriter in four configurations (plain, reads as prefix references, zstd, both)
// and prints for each: bytes on disk, the CPU time of writing, and the time `faultline check`
// spends reading it back and checking it (median of --runs). Prints figures; never passes or fails.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "checker/checker.h"
#include "checker/history.h"
#include "harness/record/history_writer.h"

namespace {

struct Event {
  int64_t process;
  std::string type, f, key;
  nlohmann::json value;
  int64_t time;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Measure the compact history encodings on a recorded plain history"};
  std::string input;
  std::string scratch = std::filesystem::temp_directory_path().string();
  int runs = 3;
  int level = 1;
  app.add_option("history", input, "a plain JSON-lines history with times (history.jsonl)")->required();
  app.add_option("--runs", runs, "runs per configuration (median)");
  app.add_option("--scratch", scratch, "folder for the files written");
  app.add_option("--level", level, "zstd compression level");
  CLI11_PARSE(app, argc, argv);

  std::ifstream in(input);
  if (!in) {
    std::cerr << input << ": cannot open\n";
    return 2;
  }
  std::vector<Event> events;
  size_t input_bytes = 0;
  for (std::string line; std::getline(in, line);) {
    input_bytes += line.size() + 1;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("time") || !j["process"].is_number_integer()) {
      std::cerr << input << ": line " << events.size() + 1 << ": not a plain history line with a time\n";
      return 2;
    }
    events.push_back({j["process"].get<int64_t>(), j["type"].get<std::string>(), j["f"].get<std::string>(),
                      j.value("key", std::string()), j.value("value", nlohmann::json()),
                      j["time"].get<int64_t>()});
  }
  std::printf("%s: %zu events, %zu bytes\n", input.c_str(), events.size(), input_bytes);
  std::printf("%-16s %14s %10s %12s %12s %12s\n", "encoding", "bytes", "ratio", "write CPU s",
              "read s", "check s");
  struct Config {
    const char* name;
    bool delta, zstd;
  };
  for (const Config c : {Config{"plain", false, false}, Config{"delta", true, false},
                         Config{"zstd", false, true}, Config{"delta+zstd", true, true}}) {
    const std::string path = scratch + "/history_bench." + c.name + (c.zstd ? ".jsonl.zst" : ".jsonl");
    std::vector<double> write_cpu, read_s, check_s;
    uintmax_t bytes = 0;
    for (int r = 0; r < runs; ++r) {
      harness::HistoryWriter w;
      const double c0 = cpu_seconds();
      if (auto st = w.open(path, {.delta = c.delta, .zstd = c.zstd, .zstd_level = level, .keep = false}); !st) {
        std::cerr << st.message() << "\n";
        return 2;
      }
      for (const Event& e : events) w.record(e.process, e.type, e.f, e.key, e.value, e.time);
      w.close();
      write_cpu.push_back(cpu_seconds() - c0);
      bytes = std::filesystem::file_size(path);
      const double w0 = wall_seconds();
      auto h = checker::parse_history_file(path);
      const double w1 = wall_seconds();
      if (!h) {
        std::cerr << h.status().message() << "\n";
        return 2;
      }
      checker::CheckOptions opts;
      opts.model = "kv";
      auto result = checker::check(*h, opts);
      const double w2 = wall_seconds();
      if (!result || result->verdict != checker::Verdict::kLinearizable) {
        std::cerr << c.name << ": the check did not pass\n";
        return 2;
      }
      read_s.push_back(w1 - w0);
      check_s.push_back(w2 - w1);
    }
    std::filesystem::remove(path);
    std::printf("%-16s %14ju %9.1fx %12.3f %12.3f %12.3f\n", c.name, bytes,
                static_cast<double>(input_bytes) / static_cast<double>(bytes), median(write_cpu),
                median(read_s), median(check_s));
  }
  return 0;
}
