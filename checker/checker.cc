#include "checker/checker.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "checker/model.h"
#include "checker/search.h"
#include "checker/worker_pool.h"

namespace checker {
namespace {

using Clock = std::chrono::steady_clock;

// Below this many operations a history is checked on the calling thread: starting a thread, or
// handing partitions to a kept one (WorkerPool), costs more than it saves (kv/c10-ok.txt, 337
// operations in 10 keys: 0.09 ms on one thread, 0.11 ms on two kept ones).
constexpr size_t kSmallHistory = 1000;  // operations
constexpr const char* kStoppedNote = "not fully checked: stopped once the verdict was decided";
constexpr const char* kTimeoutNote = "timeout reached";
constexpr const char* kMemoryNote = "memo cache reached the memory limit";
// Steps a worker runs on one partition before moving to the next: partitions advance together,
// so an easy violation is found while a hard partition is still being searched.
constexpr uint64_t kSliceSteps = 20000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// PartitionJob: one partition's prepared model and resumable search. Built by the first worker
// that takes it; handed between workers through the queue (under its mutex).
struct PartitionJob {
  PartitionResult* result = nullptr;
  std::vector<const Operation*> ops;
  // Unknown ops that Model::presolve proved took effect, as ok ops returning by then (ops points
  // at these copies instead of the history's).
  std::deque<Operation> settled;
  uint32_t impossible_op = UINT32_MAX;  // presolve found this op no linearization satisfies
  std::unique_ptr<PartitionModel> model;
  std::unique_ptr<PartitionSearch> search;
  Clock::time_point started;
  double seconds = 0;
};

// Builds the job's ops from its result's, applying what the model proves before searching:
// dropped unknown ops leave the partition (and its result's list), unknown ops that certainly
// took effect become ok ops returning by the time that proves it.
void prepare_ops(PartitionJob& job, const Model& model, const History& history) {
  std::vector<size_t>& indices = job.result->ops;
  job.ops.reserve(indices.size());
  for (size_t i : indices) job.ops.push_back(&history.ops[i]);
  const Presolved p = model.presolve(job.ops);
  job.impossible_op = p.impossible;
  if (p.drop.empty() && p.happened_by.empty()) return;
  size_t kept = 0;
  for (size_t k = 0; k < job.ops.size(); ++k) {
    if (!p.drop.empty() && p.drop[k]) continue;
    if (k == p.impossible) job.impossible_op = static_cast<uint32_t>(kept);
    const Operation* op = job.ops[k];
    if (!p.happened_by.empty() && p.happened_by[k] != kNeverReturned) {
      Operation& copy = job.settled.emplace_back(*op);
      copy.status = OpStatus::kOk;
      copy.return_time = std::max(p.happened_by[k], copy.call_time);
      op = &copy;
    }
    job.ops[kept] = op;
    indices[kept] = indices[k];
    ++kept;
  }
  job.ops.resize(kept);
  indices.resize(kept);
}

// Copies a finished search's outcome into the job's result and frees the search.
void finish_job(PartitionJob& job) {
  PartitionResult& r = *job.result;
  const SearchOutcome& out = job.search->outcome();
  r.configurations = out.configurations;
  r.cache_bytes = out.cache_bytes;
  r.steps = out.steps;
  for (uint32_t i : out.longest) r.linearization.push_back(r.ops[i]);
  switch (out.verdict) {
    case SearchVerdict::kLinearizable: r.verdict = Verdict::kLinearizable; break;
    case SearchVerdict::kViolation: {
      r.verdict = Verdict::kViolation;
      StuckPoint sp = explain_stuck(*job.model, job.ops, out.longest);
      r.states_after = std::move(sp.states_after);
      r.stuck_state = std::move(sp.state);
      // Report the operations that can never follow the state, if the model can tell; else the
      // candidates the state contradicts; else every candidate.
      const bool any_rejected =
          std::find(sp.rejected.begin(), sp.rejected.end(), true) != sp.rejected.end();
      if (!sp.doomed.empty()) {
        for (uint32_t i : sp.doomed) r.stuck_ops.push_back(r.ops[i]);
      } else {
        for (size_t c = 0; c < sp.candidates.size(); ++c)
          if (sp.rejected[c] || !any_rejected) r.stuck_ops.push_back(r.ops[sp.candidates[c]]);
      }
      break;
    }
    case SearchVerdict::kTimeout:
      r.verdict = Verdict::kUnknown;
      r.note = kTimeoutNote;
      break;
    case SearchVerdict::kOutOfMemory:
      r.verdict = Verdict::kUnknown;
      r.note = kMemoryNote;
      break;
    case SearchVerdict::kCancelled:
      r.verdict = Verdict::kUnknown;
      r.note = kStoppedNote;
      break;
  }
  r.seconds = job.seconds;
  job.search.reset();
  job.model.reset();
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
  // sysconf(_SC_PHYS_PAGES) reads /proc; the answer does not change, so ask once.
  static const int64_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    const int64_t quarter = pages > 0 && page_size > 0 ? int64_t{pages} * page_size / 4 : 0;
    return std::max<int64_t>(quarter, int64_t{256} << 20);
  }();
  return bytes;
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
  std::unordered_map<std::string_view, size_t> by_key;  // views of the history's keys
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
      result.partitions.back().key = std::string(it->first);
    }
    result.partitions[it->second].ops.push_back(i);
  }
  std::sort(result.partitions.begin(), result.partitions.end(),
            [](const PartitionResult& a, const PartitionResult& b) { return a.key < b.key; });
  // The search wants each partition's ops in call-time order (the kv model's pruning relies on
  // it). Histories are in invocation order as written, which a recorder with several threads may
  // break by a few microseconds; a stable sort restores it without reordering equal times.
  const auto called_earlier = [&](size_t a, size_t b) {
    return history.ops[a].call_time < history.ops[b].call_time;
  };
  for (PartitionResult& p : result.partitions) {
    if (!std::is_sorted(p.ops.begin(), p.ops.end(), called_earlier))
      std::stable_sort(p.ops.begin(), p.ops.end(), called_earlier);
  }

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

  std::vector<PartitionJob> jobs(order.size());
  std::deque<size_t> queue;
  for (size_t k = 0; k < order.size(); ++k) {
    jobs[k].result = &result.partitions[order[k]];
    queue.push_back(k);
  }
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  auto decide = [&](const PartitionResult& r) {
    if (r.verdict == Verdict::kViolation) {
      const int64_t at =
          options.explain ? (Clock::now() + options.explain_budget).time_since_epoch().count() : 0;
      int64_t cur = stop_at.load();
      while (at < cur && !stop_at.compare_exchange_weak(cur, at)) {
      }
    } else if (r.verdict == Verdict::kUnknown && r.note != kStoppedNote) {
      stop_at.store(0);  // timeout or memory: the verdict cannot be "linearizable" any more
    }
  };
  std::exception_ptr error;  // the first exception a worker caught (under mu)
  auto worker = [&]() {
    std::unique_lock lock(mu);
    while (true) {
      cv.wait(lock, [&] { return !queue.empty() || in_flight == 0; });
      if (queue.empty()) return;
      const size_t k = queue.front();
      queue.pop_front();
      ++in_flight;
      lock.unlock();
      PartitionJob& job = jobs[k];
      bool finished = false;
      std::exception_ptr caught;
      const auto slice_start = Clock::now();
      if (job.search == nullptr && slice_start.time_since_epoch().count() >= stop_at.load()) {
        job.result->verdict = Verdict::kUnknown;
        job.result->note = kStoppedNote;
        finished = true;
      } else {
        // An exception (out of memory) must not leave the others waiting on this job for ever,
        // nor escape a helper thread: it stops the check and is thrown again by check() itself.
        try {
          if (job.search == nullptr) {
            prepare_ops(job, *model, history);
            job.model = model->prepare(job.ops);
            job.search = std::make_unique<PartitionSearch>(*job.model, job.ops, control,
                                                           job.impossible_op);
          }
          finished = job.search->run(kSliceSteps);
          job.seconds += seconds_since(slice_start);
          if (finished) {
            finish_job(job);
            decide(*job.result);
          }
        } catch (...) {
          finished = true;
          stop_at.store(0);
          caught = std::current_exception();
        }
      }
      lock.lock();
      if (caught && !error) error = caught;
      --in_flight;
      if (!finished) queue.push_back(k);
      cv.notify_all();
    }
  };
  // hardware_concurrency() reads /sys on every call; the answer does not change, so ask once.
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = options.threads > 0 ? static_cast<unsigned>(options.threads) : cores;
  threads = static_cast<unsigned>(std::min<size_t>(threads, order.size()));
  if (options.threads == 0 && result.operations < kSmallHistory) threads = 1;
  const bool pooled =
      threads > 1 && options.pool != nullptr && options.pool->run(worker, threads - 1);
  if (!pooled) {
    if (threads <= 1) {
      worker();
    } else {
      std::vector<std::jthread> started;
      for (unsigned t = 0; t < threads; ++t) started.emplace_back(worker);
    }
  }
  if (error) std::rethrow_exception(error);

  bool any_violation = false, any_timeout = false, any_memory = false, any_unknown = false;
  for (PartitionResult& r : result.partitions) {
    result.peak_cache_bytes = std::max(result.peak_cache_bytes, r.cache_bytes);
    any_violation |= r.verdict == Verdict::kViolation;
    any_unknown |= r.verdict == Verdict::kUnknown;
    any_timeout |= r.note == kTimeoutNote;
    any_memory |= r.note == kMemoryNote;
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
