#include "checker/history_gen.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common/random.h"

namespace checker {
namespace {

std::string numbered(const char* format, int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, static_cast<long long>(i));
  return buf;
}

// KeyState: a key's value while the execution is replayed, and the earlier values a get may be
// made to return for a stale-read violation.
struct KeyState {
  std::string value;
  // The latest return time of the operations whose values make up `value` (kNeverReturned once
  // an unknown one contributed).
  int64_t written_by = 0;
  struct Stale {
    std::string value;
    int64_t overwritten_by;  // return time of the ok put that replaced it
  };
  std::vector<Stale> stale;
};

}  // namespace

Generated generate_kv_history(const GenSpec& spec) {
  common::Rng rng(spec.seed);
  Generated g;
  History& h = g.history;
  h.source = "generated";
  h.format = "json";
  h.model_hint = "kv";
  h.times_in_ns = true;
  h.ops.reserve(static_cast<size_t>(spec.ops));
  struct Client {
    int64_t process;
    int64_t next_call;
  };
  std::vector<Client> clients;
  for (int c = 0; c < spec.clients; ++c) clients.push_back({c, rng.uniform(0, 10)});
  std::vector<int64_t> point(static_cast<size_t>(spec.ops));  // when each op takes effect
  std::vector<uint8_t> executes(static_cast<size_t>(spec.ops));
  for (int64_t i = 0; i < spec.ops; ++i) {
    // The client free soonest issues the next operation: calls come in time order.
    size_t c = 0;
    for (size_t k = 1; k < clients.size(); ++k)
      if (clients[k].next_call < clients[c].next_call) c = k;
    Operation op;
    op.process = clients[c].process;
    op.call_line = static_cast<size_t>(i + 1);
    op.call_time = clients[c].next_call;
    point[i] = op.call_time + rng.uniform(1, 100);
    op.return_time = point[i] + rng.uniform(1, 100);
    op.key = spec.keys == 1 ? "k" : numbered("k%lld", rng.uniform(0, spec.keys - 1));
    const double roll = rng.next_double();
    op.status = roll < spec.unknown ? OpStatus::kUnknown
                : roll < spec.unknown + spec.fail ? OpStatus::kFail
                                                  : OpStatus::kOk;
    executes[i] = op.status == OpStatus::kOk || (op.status == OpStatus::kUnknown && rng.chance(0.5));
    clients[c].next_call = op.return_time + rng.uniform(0, 20);
    if (op.status == OpStatus::kUnknown) {
      op.return_time = kNeverReturned;
      clients[c].process += spec.clients;  // a crashed client comes back as a new process
    }
    if (rng.chance(spec.gets)) {
      op.f = "get";
    } else {
      op.f = rng.chance(spec.puts) ? "put" : "append";
      op.input = spec.unique_values ? numbered("x%lldy", i) : std::string("Q");
    }
    h.ops.push_back(std::move(op));
  }
  // Replay in the order the operations took effect; gets return what they see.
  std::vector<uint32_t> order(h.ops.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return point[a] != point[b] ? point[a] < point[b] : a < b; });
  std::vector<KeyState> keys(static_cast<size_t>(spec.keys));
  auto key_index = [&](const Operation& op) {
    return spec.keys == 1 ? size_t{0} : static_cast<size_t>(std::stoll(op.key.substr(1)));
  };
  const size_t middle = h.ops.size() / 2;
  for (uint32_t i : order) {
    Operation& op = h.ops[i];
    KeyState& k = keys[key_index(op)];
    if (op.f == "get") {
      if (op.status != OpStatus::kOk) continue;
      op.output = k.value;
      if (g.broken_op != SIZE_MAX || i < middle || spec.breaks == GenSpec::Break::kNone) continue;
      if (spec.breaks == GenSpec::Break::kImpossibleRead) {
        op.output = "impossible";
      } else {
        // A value the key held before an ok put that returned before this get was called, made
        // only of operations that returned before that put was called (so every linearization
        // places them, then the put, then this get): no order can let the get read it.
        auto it = std::find_if(k.stale.rbegin(), k.stale.rend(), [&](const KeyState::Stale& s) {
          return s.overwritten_by < op.call_time;
        });
        if (it == k.stale.rend()) continue;
        op.output = it->value;
      }
      g.broken_op = i;
      g.linearizable = false;
      continue;
    }
    if (!executes[i]) continue;
    const int64_t ret = op.status == OpStatus::kOk ? op.return_time : kNeverReturned;
    const std::string& arg = op.input.get_ref<const std::string&>();
    if (op.f == "put") {
      if (spec.unique_values && ret != kNeverReturned && !k.value.empty() && k.written_by < op.call_time)
        k.stale.push_back({k.value, ret});
      k.value = arg;
      k.written_by = ret;
    } else {
      k.value += arg;
      k.written_by = std::max(k.written_by, ret);
    }
  }
  return g;
}

std::string to_json_lines(const History& h) {
  struct Event {
    int64_t time;
    int kind;  // 0: completion, 1: invocation (a process completes before it invokes again)
    size_t op;
  };
  std::vector<Event> events;
  events.reserve(2 * h.ops.size());
  for (size_t i = 0; i < h.ops.size(); ++i) {
    events.push_back({h.ops[i].call_time, 1, i});
    if (h.ops[i].status != OpStatus::kUnknown) events.push_back({h.ops[i].return_time, 0, i});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : a.kind < b.kind;
  });
  std::string out;
  for (const Event& e : events) {
    const Operation& op = h.ops[e.op];
    HistoryEvent ev;
    ev.process = op.process;
    ev.f = op.f;
    ev.key = op.key;
    ev.time = e.time;
    if (e.kind == 1) {
      ev.type = "invoke";
      ev.value = op.input;
    } else {
      ev.type = op.status == OpStatus::kOk ? "ok" : "fail";
      ev.value = op.f == "get" ? op.output : op.input;
    }
    out += to_json_line(ev);
    out += '\n';
  }
  return out;
}

}  // namespace checker
