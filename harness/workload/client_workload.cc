#include "harness/workload/client_workload.h"

#include "common/random.h"

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
  int64_t process = 0;
  std::unique_ptr<client::Clerk> clerk;
  std::thread thread;
  std::atomic<bool> done{false};
  bool first_workload = true;
};

ClientWorkload::ClientWorkload(ClientsSpec spec, std::vector<std::string> servers,
                               HistoryWriter& history, const common::Clock& clock, ProcessIds& ids)
    : spec_(std::move(spec)),
      servers_(std::move(servers)),
      history_(history),
      clock_(clock),
      ids_(ids),
      counters_(static_cast<size_t>(spec_.count), 0) {}

ClientWorkload::~ClientWorkload() {
  stop();
  join();
}

void ClientWorkload::start(const WorkloadSpec& workload, uint64_t seed,
                           std::chrono::steady_clock::time_point op_deadline) {
  join();
  workload_ = workload;
  op_deadline_ = op_deadline;
  stop_ = false;
  common::Rng ids_rng(seed ^ 0x1d5ULL);
  if (spec_.fresh_identity || workers_.empty()) {
    workers_.clear();
    for (int c = 0; c < spec_.count; ++c) {
      auto w = std::make_unique<Worker>();
      w->index = c;
      w->process = ids_.next();
      client::ClerkOptions opts;
      opts.servers = servers_;
      opts.attempt_timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(spec_.attempt_timeout);
      opts.client_id = ids_rng.next_u64() | 1;  // seeded, never 0 (0 asks for a random id)
      w->clerk = std::make_unique<client::Clerk>(opts);
      processes_.insert(w->process);
      workers_.push_back(std::move(w));
    }
  }
  common::Rng rng(seed);
  for (auto& w : workers_) {
    w->done = false;
    const uint64_t worker_seed = rng.next_u64();
    Worker* raw = w.get();
    w->thread = std::thread([this, raw, worker_seed] { worker_loop(*raw, worker_seed); });
  }
}

void ClientWorkload::stop() { stop_ = true; }

void ClientWorkload::join() {
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
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
  auto run_op = [&](const std::string& f, const std::string& key, const std::string& value) {
    const nlohmann::json invoke_value = f == "get" ? nlohmann::json() : nlohmann::json(value);
    history_.record(w.process, "invoke", f, key, invoke_value, clock_.now_ns());
    client::OpResult r;
    if (f == "get") {
      r = w.clerk->get(key, op_deadline_);
    } else if (f == "put") {
      r = w.clerk->put(key, value, op_deadline_);
    } else {
      r = w.clerk->append(key, value, op_deadline_);
    }
    const int64_t now = clock_.now_ns();
    if (r.outcome == client::Outcome::kOk) {
      history_.record(w.process, "ok", f, key, f == "get" ? nlohmann::json(r.value) : invoke_value, now);
    } else {
      history_.record(w.process, "info", f, key, invoke_value, now);
    }
    return r.outcome == client::Outcome::kOk;
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
    ok = run_op("put", own_key, "");
  }
  if (spec_.warmup_get && w.first_workload && ok && !stop_) ok = run_op("get", pick_key(), "");
  w.first_workload = false;
  const int total = spec_.get_weight + spec_.put_weight + spec_.append_weight;
  const auto started = std::chrono::steady_clock::now();
  int64_t issued = 0;
  // Bounded: by the op count, by stop(), and by the op deadline (after which every op is unknown).
  while (ok && !stop_ && (workload_.ops_per_client == 0 || issued < workload_.ops_per_client) &&
         std::chrono::steady_clock::now() < op_deadline_) {
    if (spec_.rate > 0) {
      const auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(issued) / spec_.rate));
      while (!stop_ && std::chrono::steady_clock::now() < due) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            due - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
      }
      if (stop_) break;
    }
    const int64_t roll = rng.uniform(0, total - 1);
    const std::string key = pick_key();
    if (roll < spec_.get_weight || w.index < spec_.readers) {
      ok = run_op("get", key, "");
    } else if (roll < spec_.get_weight + spec_.put_weight) {
      ok = run_op("put", key, append_value(w.index, counter++));
    } else {
      ok = run_op("append", key, append_value(w.index, counter++));
    }
    ++issued;
  }
  w.done = true;
}

}  // namespace harness
