#include "harness/scenario/scenario_loader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/scenario/step_parser.h"
#include "harness/scenario/yaml_fields.h"

namespace harness {
namespace {

// Why `name` cannot name the run directory runs/<name>/, or "" if it can.
std::string reserved_name_problem(const std::string& name) {
  if (name == "latest") return "'latest' is reserved: runs/latest is the link to the newest run";
  if (name == "invocations" || name == "latest-summary") {
    return "'" + name + "' is reserved: runs/invocations/ holds each invocation's summary.json and " +
           "junit.xml, runs/latest-summary links to the newest";
  }
  if (!name.empty() && name[0] == '.') {
    return "'" + name + "': a name may not start with '.' ('..' would put the run directory " +
           "outside the runs directory, '.' in it)";
  }
  return "";
}

void parse_cluster(MapReader& top, bool unsafe, ClusterSpec* c) {
  YamlValue v(YAML::Node(), top.place());
  if (!top.maybe("cluster", &v)) return;
  MapReader m(v);
  YamlValue f = v;
  if (m.maybe("nodes", &f)) c->nodes = static_cast<int>(f.as_int(1, 15));
  if (m.maybe("tick", &f)) c->tick = f.as_duration();
  if (m.maybe("heartbeat", &f)) c->heartbeat = f.as_duration();
  if (m.maybe("election_timeout", &f)) {
    auto range = f.items();
    if (range.size() != 2) f.fail("expected [min, max], e.g. [150ms, 300ms]");
    c->election_min = range[0].as_duration();
    c->election_max = range[1].as_duration();
    if (c->election_min > c->election_max) f.fail("min is greater than max");
  }
  auto unsafe_guard = [&](const YamlValue& field, bool is_unsafe) {
    if (is_unsafe && !unsafe) {
      field.fail("'" + field.node().Scalar() +
                 "' is an unsafe mode: allowed only when the scenario says `unsafe: true`");
    }
  };
  if (m.maybe("fsync", &f)) {
    c->fsync = f.as_choice({"always", "never"}) == "never" ? sut::Fsync::kNever : sut::Fsync::kAlways;
    unsafe_guard(f, c->fsync == sut::Fsync::kNever);
  }
  if (m.maybe("read_mode", &f)) {
    const std::string mode = f.as_choice({"read_index", "log", "local"});
    c->read_mode = mode == "local" ? sut::ReadMode::kLocal
                   : mode == "log" ? sut::ReadMode::kLog
                                   : sut::ReadMode::kReadIndex;
    unsafe_guard(f, c->read_mode == sut::ReadMode::kLocal);
  }
  if (m.maybe("storage", &f)) {
    c->storage = f.as_choice({"disk", "memory"}) == "memory" ? sut::Storage::kMemory : sut::Storage::kDisk;
    unsafe_guard(f, c->storage == sut::Storage::kMemory);
  }
  if (m.maybe("dedup", &f)) {
    c->dedup = f.as_bool();
    unsafe_guard(f, !c->dedup);
  }
  if (m.maybe("pre_vote", &f)) c->pre_vote = f.as_bool();
  if (m.maybe("check_quorum", &f)) c->check_quorum = f.as_bool();
  if (m.maybe("compaction_bytes", &f)) {
    c->compaction_bytes = static_cast<uint64_t>(f.as_int(0, int64_t{1} << 40));
  }
  if (m.maybe("security", &f)) c->curve = f.as_choice({"none", "curve"}) == "curve";
  m.finish();
  if (c->tick.count() <= 0) fail_at(v.place(), "tick must be positive");
  if (c->heartbeat >= c->election_min) {
    fail_at(v.place(), "heartbeat must be shorter than the election timeout");
  }
}

void parse_clients(MapReader& top, ClientsSpec* c) {
  YamlValue v(YAML::Node(), top.place());
  if (!top.maybe("clients", &v)) return;
  MapReader m(v);
  YamlValue f = v;
  if (m.maybe("count", &f)) c->count = static_cast<int>(f.as_int(0, 1000));
  if (m.maybe("keys", &f)) {
    const std::string k = f.as_choice({"own", "shared", "hot"});
    c->keys = k == "own" ? ClientsSpec::Keys::kOwn
                         : k == "shared" ? ClientsSpec::Keys::kShared : ClientsSpec::Keys::kHot;
  }
  if (m.maybe("key_count", &f)) c->key_count = static_cast<int>(f.as_int(1, 100000));
  if (m.maybe("hot_key", &f)) c->hot_key = f.as_string();
  if (m.maybe("mix", &f)) {
    MapReader mix(f);
    YamlValue w = f;
    c->get_weight = mix.maybe("get", &w) ? static_cast<int>(w.as_int(0, 1000)) : 0;
    c->put_weight = mix.maybe("put", &w) ? static_cast<int>(w.as_int(0, 1000)) : 0;
    c->append_weight = mix.maybe("append", &w) ? static_cast<int>(w.as_int(0, 1000)) : 0;
    mix.finish();
    if (c->get_weight + c->put_weight + c->append_weight == 0) f.fail("all weights are zero");
  }
  if (m.maybe("readers", &f)) {
    c->readers = static_cast<int>(f.as_int(0, 1000));
    if (c->readers > c->count) f.fail("more readers than clients (count: " + std::to_string(c->count) + ")");
  }
  if (m.maybe("init_put_empty", &f)) c->init_put_empty = f.as_bool();
  if (m.maybe("warmup_get", &f)) c->warmup_get = f.as_bool();
  if (m.maybe("rate", &f)) c->rate = f.as_double(0, 1e6);
  if (m.maybe("identity", &f)) c->fresh_identity = f.as_choice({"per_workload", "per_run"}) == "per_workload";
  if (m.maybe("attempt_timeout", &f)) c->attempt_timeout = f.as_duration();
  if (m.maybe("stop_grace", &f)) c->stop_grace = f.as_duration();
  m.finish();
  if (c->attempt_timeout.count() <= 0) fail_at(v.place(), "attempt_timeout must be positive");
}

// The clients' time the phases take at the least (repeats times workload durations), in seconds.
double least_client_seconds(const std::vector<Phase>& phases) {
  double total = 0;
  for (const Phase& p : phases) {
    if (p.workload && p.workload->duration) total += p.repeat * p.workload->duration->count() / 1e6;
  }
  return total;
}

// Checks that need the rest of the scenario: a deadline the phases cannot meet, a latency bound
// on an operation the mix never issues.
void parse_checks(MapReader& top, const ClusterSpec& cluster, const ClientsSpec& clients,
                  const std::vector<Phase>& phases, ChecksSpec* c) {
  YamlValue v(YAML::Node(), top.place());
  if (!top.maybe("checks", &v)) return;
  MapReader m(v);
  YamlValue f = v;
  if (m.maybe("linearizable", &f)) c->linearizable = f.as_bool();
  if (m.maybe("appends", &f)) c->appends = f.as_bool();
  if (m.maybe("min_ops", &f)) c->min_ops = f.as_int(0, int64_t{1} << 40);
  if (m.maybe("max_raft_state_bytes", &f)) c->max_raft_state_bytes = f.as_int(1, int64_t{1} << 40);
  if (m.maybe("max_snapshot_bytes", &f)) c->max_snapshot_bytes = f.as_int(1, int64_t{1} << 40);
  if (m.maybe("no_snapshot", &f)) {
    c->no_snapshot = f.as_bool();
    if (c->no_snapshot && cluster.compaction_bytes != 0) {
      f.fail("no_snapshot needs compaction off (cluster.compaction_bytes: 0)");
    }
  }
  if (m.maybe("deadline", &f)) {
    c->deadline = f.as_duration();
    const double least = least_client_seconds(phases);
    if (least >= c->deadline->count() / 1e6) {
      std::ostringstream why;
      why << "the phases' workloads alone take " << least << " s (repeats x durations), no less "
          << "than the deadline of " << c->deadline->count() / 1e6
          << " s: the run could never pass";
      f.fail(why.str());
    }
  }
  if (m.maybe("mean_latency", &f)) {
    MapReader lat(f);
    lat.expect_only({"max", "f"});
    c->max_mean_latency = lat.get("max").as_duration();
    YamlValue op = f;
    std::string f_name = "append";
    if (lat.maybe("f", &op)) {
      f_name = op.as_choice({"get", "put", "append", "any"});
      c->latency_f.reset();
      sut::OpKind kind;
      if (parse_op_kind(f_name, &kind)) c->latency_f = kind;
    }
    using sut::OpKind;
    // Besides the mix: readers only get, warmup_get gets once, and each writing client with its
    // own key first puts "" to it.
    const bool issued =
        !c->latency_f ||
        (c->latency_f == OpKind::kGet &&
         (clients.get_weight > 0 || clients.readers > 0 || clients.warmup_get)) ||
        (c->latency_f == OpKind::kPut &&
         (clients.put_weight > 0 || (clients.keys == ClientsSpec::Keys::kOwn &&
                                     clients.init_put_empty && clients.readers < clients.count))) ||
        (c->latency_f == OpKind::kAppend && clients.append_weight > 0 && clients.readers < clients.count);
    if (!issued) {
      op.fail("the clients never issue '" + f_name +
              "' (f defaults to append): there would be no latency to bound");
    }
    lat.finish();
  }
  if (m.maybe("checker_timeout", &f)) c->checker_timeout = f.as_duration();
  m.finish();
}

// `tags: [partition, restarts]`: words of lower-case letters, digits, '-' and '_', each once.
std::vector<std::string> parse_tags(const YamlValue& v) {
  std::vector<std::string> tags;
  for (const YamlValue& item : v.items()) {
    const std::string tag = item.as_string();
    const bool word = !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    });
    if (!word) item.fail("'" + tag + "': a tag holds only lower-case letters, digits, '-' and '_'");
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) item.fail("tag '" + tag + "' given twice");
    tags.push_back(tag);
  }
  return tags;
}

bool has_script_checks(const std::vector<Phase>& phases) {
  auto scripted = [](const std::vector<Step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const Step& s) {
      return (s.kind == Step::Kind::kOp && (s.op.expect || s.op.within)) || s.kind == Step::Kind::kAwait ||
             s.kind == Step::Kind::kExpectPending;
    });
  };
  return std::any_of(phases.begin(), phases.end(),
                     [&](const Phase& p) { return scripted(p.steps) || scripted(p.after); });
}

// Whether the scenario's checks include `name` (one of expectable_checks()).
bool check_enabled(const std::string& name, const Scenario& s) {
  const ChecksSpec& c = s.checks;
  if (name == "linearizable") return c.linearizable;
  if (name == "appends") return c.appends;
  if (name == "min_ops") return c.min_ops.has_value();
  if (name == "mean_latency") return c.max_mean_latency.has_value();
  if (name == "raft_state_bytes") return c.max_raft_state_bytes.has_value();
  if (name == "snapshot_bytes") return c.max_snapshot_bytes.has_value();
  if (name == "no_snapshot") return c.no_snapshot;
  if (name == "deadline") return c.deadline.has_value();
  if (name == "script") return has_script_checks(s.phases);
  return false;
}

// `expect: {fail: [appends, linearizable]}`: checks the scenario has, each once.
std::vector<std::string> parse_expect(const YamlValue& v, const Scenario& s) {
  MapReader m(v);
  m.expect_only({"fail"});
  std::vector<std::string> fail;
  const YamlValue list = m.get("fail");
  for (const YamlValue& item : list.items()) {
    const std::string name = item.as_choice(expectable_checks());
    if (!check_enabled(name, s)) {
      item.fail("'" + name + "' is not among this scenario's checks (see `checks:`): it could never fail");
    }
    if (std::find(fail.begin(), fail.end(), name) != fail.end()) item.fail("'" + name + "' given twice");
    fail.push_back(name);
  }
  if (fail.empty()) list.fail("name at least one check that must fail (or leave `expect:` out)");
  m.finish();
  return fail;
}

// `reference: {seconds: 15.5, peers: 5, messages: 4576, ops: 903}`: all four.
ReferenceFigures parse_reference(const YamlValue& v) {
  MapReader m(v);
  m.expect_only({"seconds", "peers", "messages", "ops"});
  ReferenceFigures r;
  r.seconds = m.get("seconds").as_double(0, 1e7);
  r.peers = static_cast<int>(m.get("peers").as_int(1, 1000));
  r.messages = static_cast<uint64_t>(m.get("messages").as_int(0, int64_t{1} << 50));
  r.ops = m.get("ops").as_int(0, int64_t{1} << 50);
  m.finish();
  return r;
}

}  // namespace

common::Result<Scenario> load_scenario_text(const std::string& text, const std::string& file,
                                            const FaultSyntax& faults) {
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      std::ostringstream msg;
      msg << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg;
      // yaml-cpp's message for a tab in the indentation names the map, not the tab.
      std::istringstream lines(text);
      std::string line;
      for (int i = 0; i <= e.mark.line && std::getline(lines, line); ++i) {
        const size_t indent_end = line.find_first_not_of(" \t");
        const std::string_view indent(line.data(), std::min(indent_end, line.size()));
        if (i >= e.mark.line - 1 && indent.find('\t') != std::string_view::npos) {
          msg << " (line " << i + 1 << " holds a tab: YAML indents with spaces only)";
          break;
        }
      }
      return common::Status::invalid_argument(msg.str());
    }
    Scenario s;
    s.file = file;
    s.source = text;
    s.name = std::filesystem::path(file).stem().string();
    YamlValue rootv(root, YamlPlace{file, "", root.Mark()});
    if (!root.IsMap()) rootv.fail("a scenario is a mapping (name:, cluster:, clients:, phases:, ...)");
    MapReader top(rootv);
    top.expect_only({"name", "description", "seed", "unsafe", "cluster", "network", "clients",
                     "phases", "checks", "tags", "expect", "reference"});
    YamlValue f = rootv;
    if (top.maybe("name", &f)) {
      s.name = f.as_string();
      const bool safe = !s.name.empty() && std::all_of(s.name.begin(), s.name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
      });
      if (!safe) {
        f.fail("a name may hold only letters, digits, '_', '-', '.' (it names the run directory)");
      }
      if (const std::string why = reserved_name_problem(s.name); !why.empty()) f.fail(why);
    } else if (const std::string why = reserved_name_problem(s.name); !why.empty()) {
      fail_at(YamlPlace{file, "name", root.Mark()},
              why + " (the name comes from the file name; set `name:`)");
    }
    if (top.maybe("description", &f)) s.description = f.as_string();
    if (top.maybe("seed", &f)) s.seed = f.as_uint64();
    if (top.maybe("unsafe", &f)) s.unsafe = f.as_bool();
    parse_cluster(top, s.unsafe, &s.cluster);
    StepParser steps(s.cluster.nodes, faults);
    if (top.maybe("network", &f)) s.network = steps.network_rule(f);
    parse_clients(top, &s.clients);
    s.phases = steps.phases(top.get("phases"), s.clients);
    parse_checks(top, s.cluster, s.clients, s.phases, &s.checks);
    if (top.maybe("tags", &f)) s.tags = parse_tags(f);
    if (top.maybe("expect", &f)) s.expect_fail = parse_expect(f, s);
    if (top.maybe("reference", &f)) s.reference = parse_reference(f);
    top.finish();
    return s;
  } catch (const ScenarioError& e) {
    return common::Status::invalid_argument(e.what());
  } catch (const YAML::Exception& e) {
    return common::Status::invalid_argument(file + ": " + e.what());
  }
}

common::Result<Scenario> load_scenario_file(const std::string& path, const FaultSyntax& faults) {
  std::ifstream in(path);
  if (!in) return common::Status::not_found(path + ": cannot open scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_text(text.str(), path, faults);
}

std::string scenario_text_with_seed(const std::string& source, uint64_t seed) {
  const std::string line = "seed: " + std::to_string(seed);
  std::istringstream in(source);
  std::string out;
  std::string current;
  bool replaced = false;
  while (std::getline(in, current)) {
    if (current.rfind("seed:", 0) == 0) {
      current = line;
      replaced = true;
    }
    out += current + "\n";
  }
  if (!replaced) out += line + "  # recorded by faultline run\n";
  return out;
}

}  // namespace harness
