#include "harness/verdict/checks.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>
#include <unordered_map>
#include <map>
#include <sstream>

namespace harness {
namespace {

using checker::OpStatus;

bool is_string(const nlohmann::json& j) { return j.is_string(); }

CheckOutcome outcome(const std::string& name, bool passed, const std::string& summary) {
  CheckOutcome c;
  c.name = name;
  c.verdict = passed ? CheckVerdict::kPass : CheckVerdict::kFail;
  c.summary = summary;
  return c;
}

std::string token_text(const AppendToken& t) {
  std::ostringstream out;
  out << "x " << t.client << " " << t.n << " y";
  return out.str();
}

}  // namespace

namespace {

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// An integer as `std::istream >> int64_t` reads one: blanks, an optional sign, digits.
bool read_int(std::string_view w, size_t* i, int64_t* out) {
  while (*i < w.size() && space(w[*i])) ++*i;
  size_t at = *i;
  if (at < w.size() && w[at] == '+') {
    ++at;
    if (at < w.size() && w[at] == '-') return false;  // "+-5" is no number
  }
  auto [ptr, ec] = std::from_chars(w.data() + at, w.data() + w.size(), *out);
  if (ec != std::errc()) return false;
  *i = static_cast<size_t>(ptr - w.data());
  return true;
}

}  // namespace

std::vector<AppendToken> parse_append_tokens(const std::string& value) {
  std::vector<AppendToken> out;
  size_t pos = 0;
  // Bounded: every iteration consumes at least one character.
  while ((pos = value.find("x ", pos)) != std::string::npos) {
    // "<client> <n> y..." within the next 48 characters.
    const std::string_view w = std::string_view(value).substr(pos + 2, 48);
    size_t i = 0;
    AppendToken t;
    bool ok = read_int(w, &i, &t.client) && read_int(w, &i, &t.n);
    if (ok) {
      while (i < w.size() && space(w[i])) ++i;
      ok = i < w.size() && w[i] == 'y' && t.client >= 0 && t.n >= 0;
    }
    if (ok) {
      out.push_back(t);
      const size_t end = value.find(" y", pos + 2);
      pos = end == std::string::npos ? value.size() : end + 2;
    } else {
      pos += 1;
    }
  }
  return out;
}

CheckOutcome check_appends(const checker::History& history, const std::set<int64_t>& verifiers) {
  CheckOutcome result = outcome("appends", true, "");
  nlohmann::json problems = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::array();
  int reads = 0;
  int64_t confirmed = 0;
  // Each key's operations (history order), and each write's tokens, found once for all reads.
  std::unordered_map<std::string_view, std::vector<const checker::Operation*>> by_key;
  for (const auto& read : history.ops) {
    if (verifiers.count(read.process) && read.f == "get" && read.status == OpStatus::kOk)
      by_key.try_emplace(read.key);
  }
  for (const auto& op : history.ops) {
    if (auto it = by_key.find(op.key); it != by_key.end()) it->second.push_back(&op);
  }
  std::unordered_map<const checker::Operation*, std::vector<AppendToken>> written;
  struct TokenHash {
    size_t operator()(const AppendToken& t) const {
      return std::hash<int64_t>()(t.client * 1000003 + t.n);
    }
  };
  // Per key: every token an append or put on it wrote, with the earliest call of such a write. A
  // read may hold a token written by an operation called before the read returned.
  std::unordered_map<std::string_view, std::unordered_map<AppendToken, int64_t, TokenHash>> first_written;
  auto tokens_of = [&](const checker::Operation& op) -> const std::vector<AppendToken>& {
    auto [it, inserted] = written.try_emplace(&op);
    if (inserted) it->second = parse_append_tokens(op.input.get<std::string>());
    return it->second;
  };
  for (const auto& read : history.ops) {
    if (!verifiers.count(read.process) || read.f != "get" || read.status != OpStatus::kOk) continue;
    if (!is_string(read.output)) continue;
    ++reads;
    const std::string& key = read.key;
    const std::vector<const checker::Operation*>& on_key = by_key[key];
    // The last put on this key that started before the read; appends count from its return.
    const checker::Operation* last_put = nullptr;
    for (const checker::Operation* p : on_key) {
      const checker::Operation& op = *p;
      if (op.f != "put" || op.status == OpStatus::kFail) continue;
      if (op.call_time >= read.call_time) continue;
      if (!last_put || op.call_time > last_put->call_time) last_put = &op;
    }
    int64_t from = 0;
    if (last_put) {
      if (last_put->status != OpStatus::kOk || last_put->return_time > read.call_time) {
        skipped.push_back({{"key", key}, {"why", "the last put before the read has no known end"}});
        continue;
      }
      from = last_put->return_time;
    }
    // Every append (and put value) ever issued on the key: tokens the value may legally hold.
    auto [known_it, new_key] = first_written.try_emplace(key);
    std::unordered_map<AppendToken, int64_t, TokenHash>& known = known_it->second;
    if (new_key) {
      for (const checker::Operation* p : on_key) {
        if ((p->f != "append" && p->f != "put") || !is_string(p->input)) continue;
        for (const auto& t : tokens_of(*p)) {
          auto [it, inserted] = known.try_emplace(t, p->call_time);
          if (!inserted) it->second = std::min(it->second, p->call_time);
        }
      }
    }
    std::vector<const checker::Operation*> counted;
    bool overlapping_put = false;
    for (const checker::Operation* p : on_key) {
      const checker::Operation& op = *p;
      if (op.call_time > read.return_time) continue;
      if (op.f == "put" && &op != last_put && op.status != OpStatus::kFail && op.call_time < read.call_time &&
          op.return_time > from) {
        overlapping_put = true;
      }
      if (op.f == "append" && op.call_time > from && op.call_time < read.call_time &&
          op.status != OpStatus::kFail) {
        counted.push_back(&op);
      }
    }
    if (overlapping_put) {
      skipped.push_back({{"key", key}, {"why", "puts overlap the appends"}});
      continue;
    }
    const auto tokens = parse_append_tokens(read.output.get<std::string>());
    std::unordered_map<AppendToken, int, TokenHash> seen;
    std::map<int64_t, int64_t> last_n;  // per client: the n of its previous token
    for (const auto& t : tokens) {
      if (++seen[t] == 2) {
        problems.push_back({{"key", key}, {"problem", "duplicate"}, {"value", token_text(t)},
                            {"read_line", read.call_line}});
      }
      if (auto k = known.find(t); k == known.end() || k->second > read.return_time) {
        problems.push_back({{"key", key}, {"problem", "never appended"}, {"value", token_text(t)},
                            {"read_line", read.call_line}});
      }
      auto it = last_n.find(t.client);
      if (it != last_n.end() && it->second > t.n) {
        problems.push_back({{"key", key}, {"problem", "out of order"}, {"value", token_text(t)},
                            {"after", token_text(AppendToken{t.client, it->second})},
                            {"read_line", read.call_line}});
      }
      last_n[t.client] = std::max(last_n[t.client], t.n);
    }
    for (const auto* op : counted) {
      if (!is_string(op->input)) continue;
      const auto& mine = tokens_of(*op);
      if (mine.size() != 1) continue;
      const bool must = op->status == OpStatus::kOk && op->return_time < read.call_time;
      if (must && !seen.count(mine[0])) {
        problems.push_back({{"key", key}, {"problem", "acknowledged append lost"},
                            {"value", token_text(mine[0])}, {"process", op->process},
                            {"append_line", op->call_line}, {"read_line", read.call_line}});
      } else if (must) {
        ++confirmed;
      }
    }
  }
  // Keep results.json readable: the count is exact, the list holds the first kMaxListed.
  constexpr size_t kMaxListed = 100;
  const size_t problem_count = problems.size();
  if (problems.size() > kMaxListed) problems.erase(problems.begin() + kMaxListed, problems.end());
  result.details["problem_count"] = problem_count;
  result.details["reads"] = reads;
  result.details["acknowledged_appends_confirmed"] = confirmed;
  result.details["problems"] = problems;
  result.details["skipped"] = skipped;
  if (reads == 0) {
    result.verdict = CheckVerdict::kFail;
    result.summary = "no verify_appends read completed: nothing was checked";
  } else if (!problems.empty()) {
    result.verdict = CheckVerdict::kFail;
    const auto& p = problems[0];
    result.summary = std::to_string(problem_count) + " problem(s); first: key '" +
                     p["key"].get<std::string>() + "': " + p["problem"].get<std::string>() + " '" +
                     p["value"].get<std::string>() + "'";
  } else {
    result.summary = "every acknowledged append present once and in order (" + std::to_string(confirmed) +
                     " confirmations over " + std::to_string(reads) + " reads)";
  }
  return result;
}

CheckOutcome check_min_ops(const checker::History& history, const std::set<int64_t>& processes,
                           int64_t min) {
  int64_t ok = 0;
  for (const auto& op : history.ops) {
    if (processes.count(op.process) && op.status == OpStatus::kOk) ++ok;
  }
  CheckOutcome c = outcome("min_ops", ok >= min,
                           std::to_string(ok) + " operations completed (at least " + std::to_string(min) + " required)");
  c.details["completed"] = ok;
  c.details["required"] = min;
  return c;
}

CheckOutcome check_mean_latency(const checker::History& history, const std::set<int64_t>& processes,
                                const std::string& f, Micros max) {
  double total_ms = 0;
  int64_t count = 0;
  for (const auto& op : history.ops) {
    if (!processes.count(op.process) || op.status != OpStatus::kOk) continue;
    if (f != "any" && op.f != f) continue;
    total_ms += static_cast<double>(op.return_time - op.call_time) / 1e6;
    ++count;
  }
  const double mean = count ? total_ms / static_cast<double>(count) : 0;
  const double max_ms = static_cast<double>(max.count()) / 1000.0;
  std::ostringstream s;
  s.precision(3);
  s << "mean " << f << " latency " << mean << " ms over " << count << " ops (at most " << max_ms << " ms)";
  CheckOutcome c = outcome("mean_latency", count > 0 && mean <= max_ms, s.str());
  c.details["mean_ms"] = mean;
  c.details["ops"] = count;
  c.details["max_ms"] = max_ms;
  return c;
}

CheckOutcome check_raft_state(const std::vector<NodeSample>& samples, uint64_t max_bytes) {
  uint64_t worst = 0;
  std::string where;
  int used = 0;
  for (const auto& s : samples) {
    if (!s.ok) continue;
    ++used;
    if (s.log_bytes >= worst) {
      worst = s.log_bytes;
      where = "n" + std::to_string(s.node) + " " + s.when;
    }
  }
  CheckOutcome c = outcome("raft_state_bytes", used > 0 && worst <= max_bytes,
                           used == 0 ? "no node answered a status request"
                                     : "largest durable Raft state " + std::to_string(worst) + " bytes (" +
                                           where + "), bound " + std::to_string(max_bytes));
  c.details["max_log_bytes"] = worst;
  c.details["bound"] = max_bytes;
  c.details["samples"] = used;
  return c;
}

CheckOutcome check_snapshot_size(const std::vector<NodeSample>& samples, uint64_t max_bytes) {
  uint64_t worst = 0;
  int used = 0;
  for (const auto& s : samples) {
    if (!s.ok) continue;
    ++used;
    worst = std::max(worst, s.snapshot_bytes);
  }
  CheckOutcome c = outcome("snapshot_bytes", used > 0 && worst <= max_bytes,
                           "largest snapshot " + std::to_string(worst) + " bytes, bound " + std::to_string(max_bytes));
  c.details["max_snapshot_bytes"] = worst;
  return c;
}

CheckOutcome check_no_snapshot(const std::vector<NodeSample>& samples) {
  std::vector<std::string> offenders;
  int used = 0;
  for (const auto& s : samples) {
    if (!s.ok) continue;
    ++used;
    if (s.snapshot_index != 0 || s.snapshot_bytes != 0) offenders.push_back("n" + std::to_string(s.node) + " " + s.when);
  }
  std::string list;
  for (const auto& o : offenders) list += (list.empty() ? "" : ", ") + o;
  return outcome("no_snapshot", used > 0 && offenders.empty(),
                 used == 0 ? "no node answered a status request"
                           : offenders.empty() ? "no node took a snapshot" : "snapshots found: " + list);
}

CheckOutcome check_deadline(double seconds, Micros deadline) {
  const double limit = static_cast<double>(deadline.count()) / 1e6;
  std::ostringstream s;
  s.precision(4);
  s << "ran " << seconds << " s (deadline " << limit << " s)";
  CheckOutcome c = outcome("deadline", seconds <= limit, s.str());
  c.details["seconds"] = seconds;
  c.details["deadline_seconds"] = limit;
  return c;
}

}  // namespace harness
