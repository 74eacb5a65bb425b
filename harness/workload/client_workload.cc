#include "harness/workload/client_workload.h"

namespace harness {

std::string append_value(int client, int64_t n) {
  std::string out = "x ";
  out += std::to_string(client);
  out += ' ';
  out += std::to_string(n);
  out += " y";
  return out;
}

struct ClientWorkload::Worker {
  int index = 0;
  std::unique_ptr<RecordingClient> client;
  std::unique_ptr<sut::Task> task;
  std::atomic<bool> done{false};
  bool first_workload = true;
};

ClientWorkload::ClientWorkload(ClientsSpec spec, sut::Clients& clients, sut::RunClock& clock,
                               HistoryWriter& history, ProcessIds& ids, uint64_t ids_seed)
    : spec_(std::move(spec)),
      clients_(clients),
      clock_(clock),
      history_(history),
      ids_(ids),
      ids_rng_(ids_seed),
      counters_(static_cast<size_t>(spec_.count), 0) {}

ClientWorkload::~ClientWorkload() {
  stop();
  join();
}

void ClientWorkload::start(const WorkloadSpec& workload, uint64_t seed, int64_t op_deadline_ns) {
  join();
  workload_ = workload;
  op_deadline_ns_ = op_deadline_ns;
  stop_ = false;
  if (spec_.fresh_identity || workers_.empty()) {
    workers_.clear();
    for (int c = 0; c < spec_.count; ++c) {
      auto w = std::make_unique<Worker>();
      w->index = c;
      const int64_t process = ids_.next();
      sut::ClientOptions opts;
      opts.name = "client-";
      opts.name += std::to_string(process);
      opts.client_id = ids_rng_.next_u64() | 1;  // seeded, never 0
      opts.attempt_timeout_ns = std::chrono::nanoseconds(spec_.attempt_timeout).count();
      w->client = std::make_unique<RecordingClient>(clients_.make(opts), process, history_, clock_);
      processes_.insert(process);
      workers_.push_back(std::move(w));
    }
  }
  common::Rng rng(seed);
  for (auto& w : workers_) {
    w->done = false;
    const uint64_t worker_seed = rng.next_u64();
    Worker* raw = w.get();
    std::string task_name = "client ";
    task_name += std::to_string(w->index);
    w->task = clock_.spawn(task_name,
                           [this, raw, worker_seed] { worker_loop(*raw, worker_seed); });
  }
}

void ClientWorkload::stop() { stop_ = true; }

void ClientWorkload::join() {
  for (auto& w : workers_) {
    if (w->task) w->task->join();
  }
}

bool ClientWorkload::all_done() const {
  for (const auto& w : workers_) {
    if (!w->done) return false;
  }
  return true;
}

std::vector<std::string> ClientWorkload::keys() const {
  std::vector<std::string> out;
  switch (spec_.keys) {
    case ClientsSpec::Keys::kOwn:
      for (int c = 0; c < spec_.count; ++c) out.push_back(std::to_string(c));
      break;
    case ClientsSpec::Keys::kShared:
      for (int k = 0; k < spec_.key_count; ++k) out.push_back(std::to_string(k));
      break;
    case ClientsSpec::Keys::kHot:
      out.push_back(spec_.hot_key);
      break;
  }
  return out;
}

std::set<int64_t> ClientWorkload::processes() const { return processes_; }

void ClientWorkload::worker_loop(Worker& w, uint64_t seed) {
  common::Rng rng(seed);
  const std::string own_key = std::to_string(w.index);
  int64_t& counter = counters_[static_cast<size_t>(w.index)];
  auto run_op = [&](sut::OpKind kind, const std::string& key, const std::string& value) {
    return w.client->run(kind, key, value, op_deadline_ns_).outcome == sut::Outcome::kOk;
  };
  auto pick_key = [&]() -> std::string {
    switch (spec_.keys) {
      case ClientsSpec::Keys::kOwn: return own_key;
      case ClientsSpec::Keys::kShared: return std::to_string(rng.uniform(0, spec_.key_count - 1));
      case ClientsSpec::Keys::kHot: return spec_.hot_key;
    }
    return own_key;
  };
  bool ok = true;
  const bool reader = w.index < spec_.readers;
  if (spec_.keys == ClientsSpec::Keys::kOwn && spec_.init_put_empty && !reader && !stop_) {
    ok = run_op(sut::OpKind::kPut, own_key, "");
  }
  if (spec_.warmup_get && w.first_workload && ok && !stop_) ok = run_op(sut::OpKind::kGet, pick_key(), "");
  w.first_workload = false;
  const int total = spec_.get_weight + spec_.put_weight + spec_.append_weight;
  const int64_t started = clock_.now_ns();
  int64_t issued = 0;
  // Bounded: by the op count, by stop(), and by the op deadline (after which every op is unknown).
  while (ok && !stop_ && (workload_.ops_per_client == 0 || issued < workload_.ops_per_client) &&
         clock_.now_ns() < op_deadline_ns_) {
    if (spec_.rate > 0) {
      const int64_t due = started + static_cast<int64_t>(static_cast<double>(issued) / spec_.rate * 1e9);
      while (!stop_ && clock_.now_ns() < due) {
        clock_.sleep_until(std::min(due, clock_.now_ns() + 20'000'000));
      }
      if (stop_) break;
    }
    const int64_t roll = rng.uniform(0, total - 1);
    const std::string key = pick_key();
    if (roll < spec_.get_weight || w.index < spec_.readers) {
      ok = run_op(sut::OpKind::kGet, key, "");
    } else if (roll < spec_.get_weight + spec_.put_weight) {
      ok = run_op(sut::OpKind::kPut, key, append_value(w.index, counter++));
    } else {
      ok = run_op(sut::OpKind::kAppend, key, append_value(w.index, counter++));
    }
    ++issued;
  }
  w.done = true;
}

}  // namespace harness
