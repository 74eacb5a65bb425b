#include "sim/shrink.h"

#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>

#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"
#include "sim/scenario_run.h"
#include "sim/swarm.h"

namespace sim {

namespace {

struct Attempt {
  bool fails = false;
  std::string check;  // first failing check's name ("error" for a harness error)
  std::string why;
  int faults = 0;
};

int count_faults(const std::string& run_dir) {
  std::ifstream in(run_dir + "/nemesis.jsonl");
  int n = 0;
  std::string line;
  while (std::getline(in, line)) {
    // A fault is an action that breaks something: not its undo, not the steps that end faults
    // (heal, restart, resume), not the final heal.
    if (line.empty() || line.find("\"phase\":\"final\"") != std::string::npos ||
        line.find("\"undo\":true") != std::string::npos)
      continue;
    bool ends_faults = false;
    for (const char* a : {"\"action\":\"heal\"", "\"action\":\"restart\"", "\"action\":\"resume\""})
      ends_faults = ends_faults || line.find(a) != std::string::npos;
    if (!ends_faults) ++n;
  }
  return n;
}

// The durations in a YAML value like "6s", "1500ms", "250us", "1min" in microseconds (0: unknown).
int64_t micros_of(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return 0;
  const double v = std::stod(text.substr(0, i));
  const std::string unit = text.substr(i);
  if (unit == "us") return static_cast<int64_t>(v);
  if (unit == "ms") return static_cast<int64_t>(v * 1e3);
  if (unit == "s") return static_cast<int64_t>(v * 1e6);
  if (unit == "min") return static_cast<int64_t>(v * 60e6);
  return 0;
}

class Shrinker {
 public:
  Shrinker(const ShrinkOptions& o, std::ostream* progress) : o_(o), progress_(progress) {}

  // Each candidate runs in a child process: a candidate on which the system under test aborts (a
  // Raft invariant check) is a failure of its own kind ("abort"), not the end of the shrink.
  Attempt run(const harness::Scenario& s) {
    ++runs_;
    int fds[2];
    if (::pipe(fds) != 0) return run_here(s);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return run_here(s);
    }
    if (pid == 0) {
      ::close(fds[0]);
      const Attempt a = run_here(s);
      const std::string msg = std::string(a.fails ? "1" : "0") + "\n" + std::to_string(a.faults) + "\n" + a.check +
                              "\n" + a.why;
      size_t off = 0;
      while (off < msg.size()) {
        const ssize_t n = ::write(fds[1], msg.data() + off, msg.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      msg.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    Attempt a;
    if (WIFSIGNALED(status)) {
      a.fails = true;
      a.check = "abort";
      a.why = std::string("abort: the system under test aborted (") + ::strsignal(WTERMSIG(status)) +
              "; an invariant check failed)";
      a.faults = count_faults(latest_run_dir(s.name));
      return a;
    }
    const size_t l1 = msg.find('\n'), l2 = msg.find('\n', l1 + 1), l3 = msg.find('\n', l2 + 1);
    if (l1 == std::string::npos || l2 == std::string::npos || l3 == std::string::npos) return run_here(s);
    a.fails = msg.substr(0, l1) == "1";
    a.faults = std::stoi(msg.substr(l1 + 1, l2 - l1 - 1));
    a.check = msg.substr(l2 + 1, l3 - l2 - 1);
    a.why = msg.substr(l3 + 1);
    return a;
  }

  // The newest run directory of a shrink run of `name` ("" if none).
  std::string latest_run_dir(const std::string& name) const {
    const std::filesystem::path dir = std::filesystem::path(o_.runs_dir) / name /
                                      ("sim-" + std::to_string(o_.seed) + "-shrink") / name;
    std::error_code ec;
    std::string best;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().string() > best) best = it->path().string();
    }
    return best;
  }

  Attempt run_here(const harness::Scenario& s) {
    SimRunOptions ro;
    ro.seed = o_.seed;
    ro.runs_dir = o_.runs_dir;
    ro.label = "shrink";
    ro.world = world_;
    ro.faults = faults_;
    SimRunOutcome out = run_sim_scenario(s, ro);
    Attempt a;
    const harness::RunResults& r = out.results;
    if (!r.error.empty()) {
      a.fails = true;
      a.check = "error";
      a.why = "error: " + r.error;
    }
    for (const auto& c : r.checks) {
      if (!c.passed() && !a.fails) {
        a.fails = true;
        a.check = c.name;
        a.why = c.name + ": " + c.summary;
      }
    }
    a.faults = count_faults(r.run_dir);
    return a;
  }

  // Loads a candidate YAML tree; nullopt if the loader refuses it.
  std::optional<harness::Scenario> load(const YAML::Node& root, const std::string& file) {
    YAML::Emitter e;
    e << root;
    std::string text = e.c_str();
    text += '\n';
    auto s = harness::load_scenario_text(text, file, harness::fault_registry());
    if (!s) return std::nullopt;
    return std::move(*s);
  }

  WorldOptions world_;
  SimFaults faults_;
  const ShrinkOptions& o_;
  std::ostream* progress_;
  int runs_ = 0;
};

// Every candidate one edit away from `root`, smallest-making first.
std::vector<YAML::Node> candidates(const YAML::Node& root) {
  std::vector<YAML::Node> out;
  auto variant = [&](const std::function<bool(YAML::Node&)>& edit) {
    YAML::Node c = YAML::Clone(root);
    if (edit(c)) out.push_back(c);
  };
  const YAML::Node phases = root["phases"];
  const size_t np = phases && phases.IsSequence() ? phases.size() : 0;
  auto erase_at = [](YAML::Node seq, size_t k) {
    YAML::Node kept(YAML::NodeType::Sequence);
    for (size_t i = 0; i < seq.size(); ++i) {
      if (i != k) kept.push_back(seq[i]);
    }
    return kept;
  };
  for (size_t p = 0; p < np && np > 1; ++p) {
    variant([&](YAML::Node& c) {
      c["phases"] = erase_at(c["phases"], p);
      return true;
    });
  }
  for (size_t p = 0; p < np; ++p) {
    if (phases[p]["repeat"] && phases[p]["repeat"].as<int>() > 1) {
      const int rep = phases[p]["repeat"].as<int>();
      variant([&](YAML::Node& c) {
        c["phases"][p]["repeat"] = 1;
        return true;
      });
      if (rep > 2) variant([&](YAML::Node& c) {
          c["phases"][p]["repeat"] = rep / 2;
          return true;
        });
    }
    for (const char* list : {"nemesis", "steps", "after"}) {
      const YAML::Node seq = phases[p][list];
      if (!seq || !seq.IsSequence()) continue;
      for (size_t k = 0; k < seq.size(); ++k) {
        variant([&](YAML::Node& c) {
          c["phases"][p][list] = erase_at(c["phases"][p][list], k);
          return true;
        });
      }
    }
    const YAML::Node nem = phases[p]["nemesis"];
    for (size_t k = 0; nem && nem.IsSequence() && k < nem.size(); ++k) {
      if (!nem[k]["every"]) continue;
      // Fewer firings: a later start.
      const int64_t from = nem[k]["from"] ? micros_of(nem[k]["from"].as<std::string>()) : 0;
      const YAML::Node dur = phases[p]["workload"]["duration"];
      const int64_t end = nem[k]["until"] ? micros_of(nem[k]["until"].as<std::string>())
                          : dur ? micros_of(dur.as<std::string>()) : 0;
      if (end > from + 2000) {
        const harness::Micros mid((from + end) / 2 / 1000 * 1000);
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["from"] = duration_text(mid);
          return true;
        });
        // Or an earlier end (the failure may come from the first firings).
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["until"] = duration_text(mid);
          return true;
        });
        // Fewer firings in the same window: the period doubled.
        if (nem[k]["every"].IsSequence() && nem[k]["every"].size() == 2) {
          const int64_t lo = micros_of(nem[k]["every"][0].as<std::string>());
          const int64_t hi = micros_of(nem[k]["every"][1].as<std::string>());
          if (lo > 0 && hi >= lo && 2 * lo < end - from) {
            variant([&](YAML::Node& c) {
              YAML::Node period(YAML::NodeType::Sequence);
              period.push_back(duration_text(harness::Micros(2 * lo)));
              period.push_back(duration_text(harness::Micros(2 * hi)));
              c["phases"][p]["nemesis"][k]["every"] = period;
              return true;
            });
          }
        }
        // Smaller steps when halving loses the failure: a quarter of the window off either end.
        const harness::Micros quarter((from + (end - from) / 4) / 1000 * 1000);
        const harness::Micros three_quarters((from + 3 * (end - from) / 4) / 1000 * 1000);
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["until"] = duration_text(three_quarters);
          return true;
        });
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["from"] = duration_text(quarter);
          return true;
        });
      }
    }
    const YAML::Node dur = phases[p]["workload"]["duration"];
    if (dur) {
      const int64_t us = micros_of(dur.as<std::string>());
      if (us >= 2'000'000) {
        variant([&](YAML::Node& c) {
          c["phases"][p]["workload"]["duration"] = duration_text(harness::Micros(us / 2 / 1000 * 1000));
          return true;
        });
      }
    }
  }
  if (root["clients"]["count"]) {
    const int n = root["clients"]["count"].as<int>();
    if (n > 1) {
      variant([&](YAML::Node& c) {
        c["clients"]["count"] = n / 2;
        return true;
      });
      if (n / 2 != n - 1) variant([&](YAML::Node& c) {
          c["clients"]["count"] = n - 1;
          return true;
        });
    }
  }
  if (root["network"]) {
    variant([&](YAML::Node& c) {
      c.remove("network");
      return true;
    });
  }
  return out;
}

}  // namespace

common::Result<ShrinkResult> shrink(const harness::Scenario& original, const ShrinkOptions& o, std::ostream* progress) {
  Shrinker sh(o, progress);
  harness::Scenario base = original;
  std::vector<std::string> notes;
  if (o.swarm) {
    auto t = swarm_scenario(original, o.seed, &notes);
    if (!t) return t.status();
    base = std::move(*t);
    draw_knobs(o.seed, original, &sh.world_, &sh.faults_, &notes);
  }
  Attempt first = sh.run(base);
  if (!first.fails) {
    return common::Status::invalid_argument("seed " + std::to_string(o.seed) + " passes " + original.file +
                                            (o.swarm ? " with --swarm" : "") + ": nothing to shrink");
  }
  if (progress) *progress << "shrink: seed " << o.seed << " fails " << first.why << " (" << first.faults << " faults)\n";
  YAML::Node best;
  try {
    best = YAML::Load(base.source);
  } catch (const YAML::Exception& e) {
    return common::Status::invalid_argument(original.file + ": " + e.what());
  }
  best.remove("seed");
  Attempt best_attempt = first;
  bool progressed = true;
  while (progressed && sh.runs_ < o.max_runs) {
    progressed = false;
    for (YAML::Node& c : candidates(best)) {
      if (sh.runs_ >= o.max_runs) break;
      auto s = sh.load(c, original.file);
      if (!s) continue;
      s->name = original.name;
      Attempt a = sh.run(*s);
      if (a.fails && a.check == first.check) {
        best = c;
        best_attempt = a;
        progressed = true;
        if (progress) *progress << "shrink: run " << sh.runs_ << ": still fails with " << a.faults << " faults\n";
        break;  // restart from the smaller scenario
      }
    }
  }
  ShrinkResult r;
  r.runs = sh.runs_;
  r.why = best_attempt.why;
  r.faults = best_attempt.faults;
  r.clients = best["clients"]["count"] ? best["clients"]["count"].as<int>() : 0;
  r.file = o.out.empty() ? o.runs_dir + "/" + original.name + "-shrunk-" + std::to_string(o.seed) + ".yaml" : o.out;
  best["name"] = original.name + "-shrunk";
  r.replay = "faultline sim " + r.file + " --seed " + std::to_string(o.seed);
  if (o.swarm) r.replay += " --knobs-seed " + std::to_string(o.seed);
  YAML::Emitter e;
  e << best;
  std::string text = "# Shrunk by `faultline sim " + original.file + " --shrink " + std::to_string(o.seed) +
                     (o.swarm ? " --swarm" : "") + "` after " + std::to_string(r.runs) + " runs.\n";
  text += "# Fails with seed " + std::to_string(o.seed) + ": " + r.why + "\n";
  text += "# Replay: " + r.replay + "\n";
  text += "# In process mode: faultline run " + r.file + " --seed " + std::to_string(o.seed) +
          " (a different interleaving: it may pass)\n";
  for (const auto& n : notes) text += "# swarm: " + n + "\n";
  text += std::string(e.c_str()) + "\n";
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(r.file).parent_path().empty()
                                          ? std::filesystem::path(".")
                                          : std::filesystem::path(r.file).parent_path(), ec);
  std::ofstream out(r.file);
  out << text;
  if (!out) return common::Status::io_error("cannot write " + r.file);
  return r;
}

}  // namespace sim
