#include "sim/shrink.h"

#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"
#include "sim/scenario_run.h"
#include "sim/shrink_edits.h"
#include "sim/swarm.h"
#include "sim/sweep.h"

namespace sim {

namespace {

// What one run of a candidate showed.
struct Attempt {
  bool fails = false;
  std::string check;  // first failing check's name ("error" for a harness error, "abort")
  std::string why;
  std::vector<std::string> faults;  // the faults its nemesis log shows applied (applied_faults)
  int sim_faults = 0;               // the simulation's own fault episodes (swarm knobs)
  std::string run_dir;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" '\"$\\`;&|<>()*?!#~") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string check_of(const std::string& why) { return why.substr(0, why.find(':')); }

std::string encode(const Attempt& a) {
  std::string msg = std::string(a.fails ? "1" : "0") + "\n" + a.check + "\n" +
                    std::to_string(a.sim_faults) + "\n" + a.run_dir + "\n" +
                    std::to_string(a.faults.size()) + "\n";
  for (const auto& f : a.faults) msg += f + "\n";
  return msg + a.why;
}

std::optional<Attempt> decode(const std::string& msg) {
  std::istringstream in(msg);
  Attempt a;
  std::string fails, sim_faults, count;
  if (!std::getline(in, fails) || !std::getline(in, a.check) || !std::getline(in, sim_faults) ||
      !std::getline(in, a.run_dir) || !std::getline(in, count)) {
    return std::nullopt;
  }
  a.fails = fails == "1";
  try {
    a.sim_faults = std::stoi(sim_faults);
    const int n = std::stoi(count);
    for (int i = 0; i < n; ++i) {
      std::string f;
      if (!std::getline(in, f)) return std::nullopt;
      a.faults.push_back(f);
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  a.why.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return a;
}

// Runs candidates for one shrink and keeps the count. Owned by shrink(); one thread.
class Shrinker {
 public:
  Shrinker(const ShrinkOptions& o, std::ostream* progress) : o_(o), progress_(progress) {}

  // Each candidate runs in a child process: a candidate on which the system under test aborts (a
  // Raft invariant check) is a failure of its own kind ("abort"), not the end of the shrink.
  Attempt run(const harness::Scenario& s) {
    ++runs_;
    return in_child([&] { return run_here(s); }, s.name);
  }

  // The written file run as its printed replay command runs it (`--seed S`, and `--knobs-seed S`
  // after a swarm failure): what the shrink reports is what a person will see.
  Attempt replay(const harness::Scenario& s) {
    return in_child(
        [&] {
          SweepOptions so;
          so.runs_dir = o_.runs_dir;
          so.knobs_seed = o_.swarm ? o_.seed : 0;
          SeedOutcome r = run_seed(s, o_.seed, false, so, true);
          Attempt a;
          a.fails = r.exit_code != 0;
          a.why = r.why;
          a.check = a.fails ? check_of(r.why) : "";
          a.run_dir = r.run_dir;
          a.faults = applied_faults(slurp(r.run_dir + "/nemesis.jsonl"));
          a.sim_faults = sim_fault_episodes(r.swarm);
          return a;
        },
        s.name);
  }

  bool out_of_runs() const { return runs_ >= o_.max_runs; }

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
    a.run_dir = r.run_dir;
    a.faults = applied_faults(slurp(r.run_dir + "/nemesis.jsonl"));
    a.sim_faults = sim_fault_episodes(out.sim_faults);
    return a;
  }

  // Loads a candidate YAML tree; nullopt if the loader refuses it.
  std::optional<harness::Scenario> load(const YAML::Node& root, const std::string& file) {
    auto s = harness::load_scenario_text(text_of(root), file, harness::fault_registry());
    if (!s) return std::nullopt;
    return std::move(*s);
  }

  static std::string text_of(const YAML::Node& root) {
    YAML::Emitter e;
    e << root;
    return std::string(e.c_str()) + "\n";
  }

  WorldOptions world_;
  SimFaults faults_;
  int runs_ = 0;
  // Every candidate run, by its YAML text: its attempt if it failed the same check, else nullopt.
  std::map<std::string, std::optional<Attempt>> known_;

 private:
  Attempt in_child(const std::function<Attempt()>& body, const std::string& name) {
    int fds[2];
    if (::pipe(fds) != 0) return body();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return body();
    }
    if (pid == 0) {
      ::close(fds[0]);
      const std::string msg = encode(body());
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
    if (WIFSIGNALED(status)) {
      Attempt a;
      a.fails = true;
      a.check = "abort";
      a.why = std::string("abort: the system under test aborted (") +
              ::strsignal(WTERMSIG(status)) + "; an invariant check failed)";
      a.run_dir = latest_run_dir(name);
      a.faults = applied_faults(slurp(a.run_dir + "/nemesis.jsonl"));
      return a;
    }
    if (auto a = decode(msg)) return *a;
    return body();
  }

  // The newest run directory of a run of `name` with this seed ("" if none).
  std::string latest_run_dir(const std::string& name) const {
    std::string best;
    for (const char* label : {"-shrink", ""}) {
      const std::filesystem::path dir = std::filesystem::path(o_.runs_dir) / name /
                                        ("sim-" + std::to_string(o_.seed) + label) / name;
      std::error_code ec;
      for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->path().string() > best) best = it->path().string();
      }
      if (!best.empty()) break;
    }
    return best;
  }

  const ShrinkOptions& o_;
  std::ostream* progress_;
};

// The search: each candidate is kept only when the same seed still fails the same check.
class Search {
 public:
  Search(Shrinker& sh, const ShrinkOptions& o, const harness::Scenario& original, YAML::Node start,
         Attempt first, std::ostream* progress)
      : sh_(sh),
        o_(o),
        original_(original),
        best_(YAML::Clone(start)),
        first_(std::move(first)),
        best_attempt_(first_),
        progress_(progress) {}

  // Strategy 0: structural edits, the schedule written out, delta debugging, heals, small edits.
  // Strategy 1 starts with the first shrinker's greedy one-edit list (single nemesis entries
  // dropped, every window edit, also those that only move the firings: stepping stones), from the
  // top after each step (what helps a repeated phase, or entries whose targets depend on their
  // place in the list, whose schedules cannot be written out), then the same as strategy 0.
  // Strategy 2 is strategy 0 with single entries dropped and windows narrowed (when that leaves
  // fewer faults) after the structural edits, retried after each step.
  void run(int strategy) {
    bool progressed = true;
    while (progressed && !sh_.out_of_runs()) {
      if (strategy == 1) {
        progressed = greedy(legacy_candidates, true, false);
      } else {
        progressed = greedy(coarse_candidates);
        if (strategy == 2) progressed = greedy(entry_candidates, true) || progressed;
      }
      progressed = write_out_schedules() || progressed;
      progressed = delta_debug() || progressed;
      progressed = heal_some() || progressed;
      progressed = greedy(fine_candidates) || progressed;
    }
  }

  const YAML::Node& best() const { return best_; }
  const Attempt& best_attempt() const { return best_attempt_; }

 private:
  // Runs `c` unless it was run before (by any strategy); true (and `c` is the new best) if it
  // fails the same way.
  bool attempt(const YAML::Node& c, const std::string& edit) {
    const std::string text = Shrinker::text_of(c);
    if (auto known = sh_.known_.find(text); known != sh_.known_.end()) {
      if (!known->second) return false;
      best_.reset(c);  // rebinds: `=` would overwrite the node other handles share
      best_attempt_ = *known->second;
      return true;
    }
    if (sh_.out_of_runs()) return false;
    auto s = sh_.load(c, original_.file);
    if (!s) return false;
    s->name = original_.name;
    Attempt a = sh_.run(*s);
    const bool same = a.fails && a.check == first_.check;
    if (progress_) {
      *progress_ << "shrink: run " << sh_.runs_ << ": " << edit << ": "
                 << (same      ? "still fails (" + std::to_string(a.faults.size()) + " faults)"
                     : a.fails ? "fails another way (" + a.check + ")"
                               : "passes")
                 << "\n";
    }
    sh_.known_[text] = same ? std::optional<Attempt>(a) : std::nullopt;
    if (!same) return false;
    best_.reset(c);
    best_attempt_ = std::move(a);
    return true;
  }

  // The first candidate that still fails, again and again from the smaller scenario. An edit that
  // lost the failure is not tried again in the same pass (the next round tries it once more).
  // With `retry`, every edit is tried again after each step (an entry that could not go may go
  // once another one's window is narrower); runs already made are not repeated either way.
  // With `filter`, a window or period edit runs only if the seed's schedule then has fewer faults.
  bool greedy(std::vector<Candidate> (*make)(const YAML::Node&), bool retry = false,
              bool filter = true) {
    bool any = false;
    std::set<std::string> lost;
    for (bool step = true; step && !sh_.out_of_runs();) {
      step = false;
      size_t scheduled = 0;
      if (auto s = sh_.load(best_, original_.file)) scheduled = scheduled_faults(*s, o_.seed);
      for (const Candidate& c : make(best_)) {
        if (!retry && lost.count(c.edit)) continue;
        if (filter && c.cuts_schedule) {
          auto s = sh_.load(c.root, original_.file);
          if (!s || scheduled_faults(*s, o_.seed) >= scheduled) continue;
        }
        if (attempt(c.root, c.edit)) {
          step = any = true;
          break;
        }
        lost.insert(c.edit);
        if (sh_.out_of_runs()) break;
      }
    }
    return any;
  }

  bool write_out_schedules() {
    auto s = sh_.load(best_, original_.file);
    if (!s) return false;
    auto m = materialize(best_, *s, o_.seed);
    if (!m) return false;
    return attempt(*m, "nemesis schedule written out as " +
                           std::to_string(nemesis_entries(*m).size()) + " at: entries");
  }

  bool delta_debug() {
    const YAML::Node start = YAML::Clone(best_);
    const size_t n = nemesis_entries(start).size();
    if (n == 0) return false;
    const auto keep = ddmin(
        n,
        [&](const std::vector<size_t>& k) {
          return attempt(
              keep_nemesis_entries(start, k),
              "nemesis entries: " + std::to_string(k.size()) + " of " + std::to_string(n));
        },
        [&] { return sh_.out_of_runs(); });
    return keep.size() < n;
  }

  // Faults the failure needs gone but not their end: replaced by a `heal` at their time, by the
  // same delta debugging (what it keeps stays a fault, the rest become heals).
  bool heal_some() {
    const YAML::Node start = YAML::Clone(best_);
    const std::vector<size_t> healable = healable_entries(start);
    if (healable.empty()) return false;
    const auto keep = ddmin(
        healable.size(),
        [&](const std::vector<size_t>& k) {
          std::vector<size_t> healed;
          for (size_t i = 0; i < healable.size(); ++i) {
            if (std::find(k.begin(), k.end(), i) == k.end()) healed.push_back(healable[i]);
          }
          return attempt(heal_instead(start, healed), std::to_string(healed.size()) + " of " +
                                                          std::to_string(healable.size()) +
                                                          " faults replaced by a heal");
        },
        [&] { return sh_.out_of_runs(); });
    return keep.size() < healable.size();
  }

  Shrinker& sh_;
  const ShrinkOptions& o_;
  const harness::Scenario& original_;
  YAML::Node best_;
  const Attempt first_;
  Attempt best_attempt_;
  std::ostream* progress_;
};

std::string header(const harness::Scenario& original, const ShrinkOptions& o, const ShrinkResult& r,
                   const std::vector<std::string>& notes, const std::vector<std::string>& faults) {
  std::string text = "# Shrunk by `faultline sim " + original.file + " --shrink " +
                     std::to_string(o.seed) + (o.swarm ? " --swarm" : "") + "` after " +
                     std::to_string(r.runs) + " runs (" + std::to_string(r.faults_before) +
                     " faults before, " + std::to_string(r.faults) + " after).\n";
  text += "# Fails with seed " + std::to_string(o.seed) + ": " + r.why + "\n";
  text += "# Replay: " + r.replay + "\n";
  text += "# In process mode: faultline run " + shell_quote(r.file) + " --seed " +
          std::to_string(o.seed) + " (a different interleaving: it may pass)\n";
  for (const auto& n : notes) text += "# swarm: " + n + "\n";
  if (!faults.empty()) text += "# The faults its run applies (nemesis.jsonl):\n";
  for (const auto& f : faults) text += "#   " + f + "\n";
  if (r.sim_faults) {
    text +=
        "# and " + std::to_string(r.sim_faults) +
        " episodes of the simulation's own faults the knobs seed draws (slow node, clock drift, "
        "slow disk, a crash at an election or right after a restart)\n";
  }
  return text;
}

}  // namespace

common::Result<ShrinkResult> shrink(const harness::Scenario& original, const ShrinkOptions& o,
                                    std::ostream* progress) {
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
    return common::Status::invalid_argument("seed " + std::to_string(o.seed) + " passes " +
                                            original.file + (o.swarm ? " with --swarm" : "") +
                                            ": nothing to shrink");
  }
  if (progress) {
    *progress << "shrink: seed " << o.seed << " fails " << first.why << " (" << first.faults.size()
              << " faults)\n";
  }
  YAML::Node start;
  try {
    start = YAML::Load(base.source);
  } catch (const YAML::Exception& e) {
    return common::Status::invalid_argument(original.file + ": " + e.what());
  }
  start.remove("seed");
  sh.known_[Shrinker::text_of(start)] = first;
  // Two orders of the same edits from the original scenario (the second only with runs left); the
  // one that ends with fewer faults wins.
  // Three orders of the same edits, each from the original scenario while runs are left (a shared
  // cache: a scenario is never run twice); the one that ends with the fewest faults wins.
  std::vector<std::unique_ptr<Search>> searches;
  for (int strategy : {0, 2, 1}) {
    if (!searches.empty() && sh.out_of_runs()) break;
    if (progress && !searches.empty()) {
      *progress << "shrink: again from the start, search order " << strategy << "\n";
    }
    searches.push_back(std::make_unique<Search>(sh, o, original, start, first, progress));
    searches.back()->run(strategy);
  }
  auto size = [](const Attempt& a) { return std::make_pair(a.faults.size(), a.sim_faults); };
  const Search* won = searches.front().get();
  for (const auto& s : searches) {
    if (size(s->best_attempt()) < size(won->best_attempt())) won = s.get();
  }
  const Search& search = *won;
  YAML::Node best = YAML::Clone(search.best());
  ShrinkResult r;
  r.runs = sh.runs_;
  r.faults_before = static_cast<int>(first.faults.size());
  r.why = search.best_attempt().why;
  r.faults = static_cast<int>(search.best_attempt().faults.size());
  r.sim_faults = search.best_attempt().sim_faults;
  r.clients = best["clients"]["count"] ? best["clients"]["count"].as<int>() : 0;
  r.file = o.out.empty()
               ? o.runs_dir + "/" + original.name + "-shrunk-" + std::to_string(o.seed) + ".yaml"
               : o.out;
  best["name"] = original.name + "-shrunk";
  r.replay = "faultline sim " + shell_quote(r.file) + " --seed " + std::to_string(o.seed);
  if (o.swarm) r.replay += " --knobs-seed " + std::to_string(o.seed);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(r.file).parent_path().empty()
                                          ? std::filesystem::path(".")
                                          : std::filesystem::path(r.file).parent_path(),
                                      ec);
  auto write = [&](const std::vector<std::string>& faults) -> common::Status {
    std::ofstream out(r.file);
    out << header(original, o, r, notes, faults) << Shrinker::text_of(best);
    if (!out) return common::Status::io_error("cannot write " + r.file);
    return common::Status::ok();
  };
  if (auto st = write(search.best_attempt().faults); !st) return st;
  // The file as written, run as its replay command runs it: the figures reported are that run's.
  auto written = harness::load_scenario_file(r.file, harness::fault_registry());
  if (!written) return written.status();
  const Attempt again = sh.replay(*written);
  r.replayed = again.fails && again.check == first.check;
  if (r.replayed) {
    r.why = again.why;
    r.faults = static_cast<int>(again.faults.size());
    r.sim_faults = again.sim_faults;
    r.fault_lines = again.faults;
    if (auto st = write(again.faults); !st) return st;
  } else {
    r.fault_lines = search.best_attempt().faults;
    r.replay_why = again.fails ? again.why : "it passed";
  }
  return r;
}

}  // namespace sim
