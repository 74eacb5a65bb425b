#include "checker/checker.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "checker/model.h"
#include "checker/search.h"

namespace checker {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kSmallHistory = 1000;  // operations
constexpr const char* kStoppedNote = "not fully checked: stopped once the verdict was decided";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs one partition's search and fills `r`. Called on a worker thread; touches only `r`.
void check_partition(const History& history, const Model& model, const SearchControl& control,
                     PartitionResult& r) {
  const auto start = Clock::now();
  std::vector<const Operation*> ops;
  ops.reserve(r.ops.size());
  for (size_t i : r.ops) ops.push_back(&history.ops[i]);
  auto pm = model.prepare(ops);
  SearchOutcome out = search_partition(*pm, ops, control);
  r.configurations = out.configurations;
  r.cache_bytes = out.cache_bytes;
  r.steps = out.steps;
  for (uint32_t i : out.longest) r.linearization.push_back(r.ops[i]);
  switch (out.verdict) {
    case SearchVerdict::kLinearizable: r.verdict = Verdict::kLinearizable; break;
    case SearchVerdict::kViolation: {
      r.verdict = Verdict::kViolation;
      StuckPoint sp = explain_stuck(*pm, ops, out.longest);
      r.states_after = std::move(sp.states_after);
      r.stuck_state = std::move(sp.state);
      for (uint32_t i : sp.candidates) r.stuck_ops.push_back(r.ops[i]);
      break;
    }
    case SearchVerdict::kTimeout:
      r.verdict = Verdict::kUnknown;
      r.note = "timeout reached";
      break;
    case SearchVerdict::kOutOfMemory:
      r.verdict = Verdict::kUnknown;
      r.note = "memo cache reached the memory limit";
      break;
    case SearchVerdict::kCancelled:
      r.verdict = Verdict::kUnknown;
      r.note = kStoppedNote;
      break;
  }
  r.seconds = seconds_since(start);
}

std::string mib(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable: return "linearizable";
    case Verdict::kViolation: return "violation";
    case Verdict::kUnknown: return "unknown";
  }
  return "unknown";
}

int exit_code(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable: return 0;
    case Verdict::kViolation: return 1;
    case Verdict::kUnknown: return 2;
  }
  return 2;
}

int64_t default_max_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  int64_t quarter = pages > 0 && page_size > 0 ? int64_t{pages} * page_size / 4 : 0;
  return std::max<int64_t>(quarter, int64_t{256} << 20);
}

common::Result<CheckResult> check(const History& history, const CheckOptions& options) {
  const auto start = Clock::now();
  std::string model_name = options.model.empty() ? history.model_hint : options.model;
  if (model_name.empty()) model_name = "kv";
  const Model* model = find_model(model_name);
  if (model == nullptr) {
    std::string names;
    for (const auto& n : model_names()) names += (names.empty() ? "" : ", ") + n;
    return common::Status::invalid_argument("unknown model '" + model_name + "' (expected " +
                                            names + ")");
  }
  CheckResult result;
  result.model = model_name;
  result.operations = history.ops.size();
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < history.ops.size(); ++i) {
    const Operation& op = history.ops[i];
    if (common::Status s = model->validate(history, op); !s) return s;
    if (op.status == OpStatus::kFail) {
      ++result.failed;
      continue;
    }
    if (op.status == OpStatus::kUnknown) {
      ++result.unknown;
      if (model->is_read_only(op)) continue;  // no effect, output unchecked: irrelevant
    }
    auto [it, inserted] = by_key.try_emplace(model->partition_key(op), result.partitions.size());
    if (inserted) {
      result.partitions.emplace_back();
      result.partitions.back().key = it->first;
    }
    result.partitions[it->second].ops.push_back(i);
  }
  std::sort(result.partitions.begin(), result.partitions.end(),
            [](const PartitionResult& a, const PartitionResult& b) { return a.key < b.key; });

  // Largest partitions first, so the slowest one starts early.
  std::vector<size_t> order(result.partitions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return result.partitions[a].ops.size() > result.partitions[b].ops.size();
  });

  std::atomic<int64_t> stop_at{INT64_MAX};
  std::atomic<int64_t> memory_used{0};
  SearchControl control;
  if (options.timeout.count() > 0) control.deadline = start + options.timeout;
  control.stop_at_ns = &stop_at;
  control.memory_used = &memory_used;
  control.memory_limit =
      options.max_memory_bytes > 0 ? options.max_memory_bytes : default_max_memory();

  std::atomic<size_t> next{0};
  auto worker = [&]() {
    while (true) {
      const size_t k = next.fetch_add(1);
      if (k >= order.size()) return;
      PartitionResult& r = result.partitions[order[k]];
      if (Clock::now().time_since_epoch().count() >= stop_at.load()) {
        r.verdict = Verdict::kUnknown;
        r.note = kStoppedNote;
        continue;
      }
      check_partition(history, *model, control, r);
      if (r.verdict == Verdict::kViolation) {
        const int64_t at =
            options.explain
                ? (Clock::now() + options.explain_budget).time_since_epoch().count()
                : 0;
        int64_t cur = stop_at.load();
        while (at < cur && !stop_at.compare_exchange_weak(cur, at)) {
        }
      } else if (r.verdict == Verdict::kUnknown && r.note != kStoppedNote) {
        stop_at.store(0);  // timeout or memory: the verdict cannot be "linearizable" any more
      }
    }
  };
  unsigned threads = options.threads > 0 ? static_cast<unsigned>(options.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, order.size()));
  // Starting threads costs more than checking a small history on one.
  if (options.threads == 0 && result.operations < kSmallHistory) threads = 1;
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  }

  bool any_violation = false, any_timeout = false, any_memory = false, any_unknown = false;
  for (PartitionResult& r : result.partitions) {
    result.peak_cache_bytes = std::max(result.peak_cache_bytes, r.cache_bytes);
    any_violation |= r.verdict == Verdict::kViolation;
    any_unknown |= r.verdict == Verdict::kUnknown;
    any_timeout |= r.note == "timeout reached";
    any_memory |= r.note == "memo cache reached the memory limit";
  }
  if (any_violation) {
    result.verdict = Verdict::kViolation;
  } else if (any_unknown) {
    result.verdict = Verdict::kUnknown;
    if (any_memory) {
      result.message = "the search's memo cache reached the memory limit (--max-memory " +
                       mib(control.memory_limit) + "); raise it or shorten the history";
    } else if (any_timeout) {
      result.message = "the check did not finish within the timeout (--timeout " +
                       std::to_string(options.timeout.count()) + " ms)";
    } else {
      result.message = "some partitions were not checked";
    }
  } else {
    result.verdict = Verdict::kLinearizable;
  }
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace checker
