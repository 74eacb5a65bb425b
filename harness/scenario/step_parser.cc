#include "harness/scenario/step_parser.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace harness {
namespace {

// The steps that are not faults (faults come from the FaultSyntax).
Step::Kind kind_of(const std::string& name) {
  static const std::vector<std::pair<std::string, Step::Kind>> kinds = {
      {"wait", Step::Kind::kWait},
      {"op", Step::Kind::kOp},
      {"expect_pending", Step::Kind::kExpectPending},
      {"await", Step::Kind::kAwait},
      {"verify_appends", Step::Kind::kVerifyAppends}};
  for (const auto& [n, k] : kinds) {
    if (n == name) return k;
  }
  return Step::Kind::kWait;
}

}  // namespace

int parse_side(const YamlValue& v) {
  if (v.is_scalar()) {
    const std::string s = v.node().Scalar();
    if (s == "all") return -1;
    if (s == "majority") return 0;
    if (s == "minority") return 1;
  }
  return static_cast<int>(v.as_int(0, 15));
}

int StepParser::node_index(const YamlValue& value) const {
  return static_cast<int>(value.as_int(0, nodes_ - 1));
}

std::vector<Phase> StepParser::phases(const YamlValue& value, const ClientsSpec& clients) {
  std::vector<Phase> out;
  const auto items = value.items();
  if (items.empty()) value.fail("a scenario needs at least one phase");
  for (size_t i = 0; i < items.size(); ++i) out.push_back(phase(items[i], clients, static_cast<int>(i)));
  return out;
}

Phase StepParser::phase(const YamlValue& value, const ClientsSpec& clients, int index) {
  MapReader m(value);
  Phase p;
  p.line = value.line();
  p.name = "phase" + std::to_string(index);
  YamlValue f = value;
  if (m.maybe("name", &f)) p.name = f.as_string();
  if (m.maybe("repeat", &f)) p.repeat = static_cast<int>(f.as_int(1, 10000));
  if (m.maybe("steps", &f)) {
    for (const auto& item : f.items()) p.steps.push_back(step(item, false));
  }
  if (m.maybe("workload", &f)) {
    MapReader w(f);
    WorkloadSpec spec;
    YamlValue wf = f;
    if (w.maybe("duration", &wf)) spec.duration = wf.as_duration();
    if (w.maybe("ops_per_client", &wf)) spec.ops_per_client = wf.as_int(1, int64_t{1} << 32);
    w.finish();
    if (!spec.duration && spec.ops_per_client == 0) f.fail("a workload needs duration or ops_per_client");
    if (spec.duration && spec.duration->count() <= 0) f.fail("duration must be positive");
    if (clients.count == 0) f.fail("a workload needs clients (clients.count > 0)");
    p.workload = spec;
  }
  if (m.maybe("nemesis", &f)) {
    if (!p.workload) f.fail("a nemesis schedule runs during a workload; this phase has none");
    for (const auto& item : f.items()) p.nemesis.push_back(nemesis_entry(item, *p.workload));
  }
  if (m.maybe("after", &f)) {
    for (const auto& item : f.items()) p.after.push_back(step(item, false));
  }
  m.finish();
  if (p.steps.empty() && !p.workload && p.after.empty()) value.fail("an empty phase does nothing");
  std::vector<Step> all = p.steps;
  all.insert(all.end(), p.after.begin(), p.after.end());
  check_script_order(all, value.place());
  return p;
}

void StepParser::check_script_order(const std::vector<Step>& steps, const YamlPlace& place) const {
  std::set<std::string> started;
  for (const auto& s : steps) {
    if (s.kind == Step::Kind::kOp && s.op.async) started.insert(s.op.client);
    if (s.kind == Step::Kind::kExpectPending || s.kind == Step::Kind::kAwait) {
      for (const auto& c : s.clients) {
        if (!started.count(c)) {
          YamlPlace p = place;
          p.mark.line = s.line - 1;
          p.mark.column = 0;
          fail_at(p, std::string(to_string(s.kind)) + " names client '" + c +
                         "', which has no async op started before it in this phase");
        }
      }
    }
  }
}

Step StepParser::step(const YamlValue& value, bool fault_only) {
  const std::vector<std::string> fault_names = faults_.names();
  std::vector<std::string> allowed;
  if (!fault_only) allowed.push_back("wait");
  allowed.insert(allowed.end(), fault_names.begin(), fault_names.end());
  if (!fault_only) allowed.insert(allowed.end(), {"op", "expect_pending", "await", "verify_appends"});
  Step s;
  s.line = value.line();
  std::string name;
  YamlValue arg = value;
  const bool bare = value.is_scalar();
  if (bare) {
    name = value.as_choice(allowed);
  } else if (value.is_map()) {
    if (value.node().size() != 1) value.fail("a step is one key (e.g. `kill: leader`)");
    const auto it = value.node().begin();
    name = YamlValue(it->first, value.place()).as_choice(allowed);
    MapReader m(value);
    arg = m.get(name);
  } else {
    value.fail("expected a step such as `heal`, `wait: 1s` or `kill: leader`");
  }
  if (std::find(fault_names.begin(), fault_names.end(), name) != fault_names.end()) {
    s.kind = Step::Kind::kFault;
    s.fault.name = name;
    s.fault.args = faults_.parse(name, value, bare ? nullptr : &arg, *this);
    return s;
  }
  s.kind = kind_of(name);
  if (bare && name != "verify_appends") {
    value.fail("'" + name + "' needs an argument, e.g. {" + name + ": ...}");
  }
  switch (s.kind) {
    case Step::Kind::kWait:
      s.wait = arg.as_duration();
      break;
    case Step::Kind::kVerifyAppends:
      if (!arg.is_scalar() || (arg.node().Scalar() != name && arg.node().Scalar() != "all")) {
        arg.fail("takes no argument");
      }
      break;
    case Step::Kind::kFault:
      break;
    case Step::Kind::kOp:
      s.op = script_op(arg);
      break;
    case Step::Kind::kExpectPending:
    case Step::Kind::kAwait: {
      MapReader m(arg);
      s.clients = client_list(m.get("clients"));
      s.wait = m.get(s.kind == Step::Kind::kAwait ? "within" : "for").as_duration();
      m.finish();
      break;
    }
  }
  return s;
}

std::vector<std::string> StepParser::client_list(const YamlValue& value) const {
  std::vector<std::string> out;
  for (const auto& item : value.items()) out.push_back(item.as_string());
  if (out.empty()) value.fail("name at least one client");
  return out;
}

ScriptOp StepParser::script_op(const YamlValue& value) {
  MapReader m(value);
  ScriptOp op;
  op.client = m.get("client").as_string();
  const std::string f_name = m.get("f").as_choice({"get", "put", "append"});
  parse_op_kind(f_name, &op.f);
  op.key = m.get("key").as_string();
  YamlValue f = value;
  if (m.maybe("value", &f)) {
    if (op.f == sut::OpKind::kGet) f.fail("a get takes no value (use expect: to check what it reads)");
    op.value = f.as_string();
  } else if (op.f != sut::OpKind::kGet) {
    value.fail("a " + f_name + " needs a value");
  }
  if (m.maybe("side", &f)) op.side = parse_side(f);
  if (m.maybe("async", &f)) op.async = f.as_bool();
  if (m.maybe("expect", &f)) {
    if (op.f != sut::OpKind::kGet) f.fail("only a get can expect a value");
    op.expect = f.as_string();
  }
  if (m.maybe("within", &f)) op.within = f.as_duration();
  m.finish();
  if (op.async && op.expect) value.fail("an async op cannot expect a value; await it, then get");
  return op;
}

NodeTarget StepParser::target(const YamlValue& value, const std::vector<std::string>& allowed) const {
  NodeTarget t;
  if (value.is_scalar() && !value.node().Scalar().empty() &&
      !std::isdigit(static_cast<unsigned char>(value.node().Scalar()[0]))) {
    std::vector<std::string> names = allowed;
    names.push_back("<node index>");
    const std::string name = value.as_choice(names);
    if (name == "leader") t.kind = NodeTarget::Kind::kLeader;
    if (name == "minority") t.kind = NodeTarget::Kind::kMinority;
    if (name == "all") t.kind = NodeTarget::Kind::kAll;
    if (name == "random") t.kind = NodeTarget::Kind::kRandom;
    if (name == "down") t.kind = NodeTarget::Kind::kDown;
    return t;
  }
  t.kind = NodeTarget::Kind::kNode;
  t.node = node_index(value);
  return t;
}

NetworkRule StepParser::network_rule(const YamlValue& value) const {
  NetworkRule r;
  if (value.is_scalar()) {
    value.as_choice({"reliable"});
    return r;
  }
  MapReader m(value);
  YamlValue f = value;
  if (m.maybe("drop_requests", &f)) r.drop_requests = f.as_double(0, 1);
  if (m.maybe("drop_replies", &f)) r.drop_replies = f.as_double(0, 1);
  if (m.maybe("delay", &f)) {
    if (f.is_sequence()) {
      auto range = f.items();
      if (range.size() != 2) f.fail("expected [min, max], e.g. [0ms, 26ms]");
      r.delay_min = range[0].as_duration();
      r.delay_max = range[1].as_duration();
      if (r.delay_min > r.delay_max) f.fail("min is greater than max");
    } else {
      r.delay_min = r.delay_max = f.as_duration();
    }
  }
  if (m.maybe("reorder", &f)) r.reorder = f.as_bool();
  if (m.maybe("links", &f)) {
    if (f.is_sequence()) {
      r.scope.kind = LinkScope::Kind::kNodes;
      for (const auto& n : f.items()) r.scope.nodes.push_back(node_index(n));
      if (r.scope.nodes.empty()) f.fail("name at least one node");
    } else {
      const std::string k = f.as_choice({"all", "peers", "clients"});
      r.scope.kind = k == "all" ? LinkScope::Kind::kAll
                                : k == "peers" ? LinkScope::Kind::kPeers : LinkScope::Kind::kClients;
    }
  }
  m.finish();
  return r;
}

NemesisEntry StepParser::nemesis_entry(const YamlValue& value, const WorkloadSpec& workload) {
  MapReader m(value);
  m.expect_only({"at", "every", "from", "until", "undo_after", "do"});
  NemesisEntry e;
  e.line = value.line();
  YamlValue f = value;
  const bool has_at = m.maybe("at", &f);
  if (has_at) e.at = f.as_duration();
  YamlValue every = value;
  const bool has_every = m.maybe("every", &every);
  if (has_at == has_every) value.fail("a nemesis entry has exactly one of `at:` or `every:`");
  if (has_every) {
    if (every.is_sequence()) {
      auto range = every.items();
      if (range.size() != 2) every.fail("expected [min, max], e.g. [1000ms, 1199ms]");
      e.period_min = range[0].as_duration();
      e.period_max = range[1].as_duration();
    } else {
      e.period_min = e.period_max = every.as_duration();
    }
    if (e.period_min < Micros(1000)) {
      every.fail("the period must be at least 1ms (a fault takes the harness about that long to "
                 "apply)");
    }
    if (e.period_min > e.period_max) every.fail("min is greater than max");
  }
  if (m.maybe("from", &f)) {
    if (has_at) f.fail("`from` belongs to `every:` entries");
    e.from = f.as_duration();
  }
  if (m.maybe("until", &f)) {
    if (has_at) f.fail("`until` belongs to `every:` entries");
    e.until = f.as_duration();
  }
  if (m.maybe("undo_after", &f)) e.undo_after = f.as_duration();
  e.action = step(m.get("do"), true);
  m.finish();
  if (e.undo_after && !faults_.undoable(e.action.fault.name)) {
    std::string undoable;
    for (const auto& n : faults_.names()) {
      if (faults_.undoable(n)) undoable += (undoable.empty() ? "" : ", ") + n;
    }
    value.fail("undo_after applies to " + undoable);
  }
  if (workload.duration) {
    const Micros end = *workload.duration;
    if (e.at && *e.at >= end) value.fail("at: is not before the end of the workload (" +
                                         std::to_string(end.count() / 1000) + " ms): it can never run");
    if (e.until && *e.until > end) value.fail("until: is after the end of the workload");
    if (has_every && e.from >= e.until.value_or(end)) value.fail("from: is not before until: (or the workload's end)");
  } else if (!e.at && !e.until) {
    value.fail("the workload has no duration, so an `every:` entry needs `until:`");
  } else if (e.until && e.from >= *e.until) {
    value.fail("from: is not before until:");
  }
  return e;
}

}  // namespace harness
