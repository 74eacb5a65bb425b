#include "sim/node_process.h"

#include "cluster/wire/frames.h"
#include "cluster/wire/protocol.h"
#include "sim/frames_codec.h"

namespace sim {

namespace {

// "12.345678901" seconds of simulated time: the log's ts field.
std::string sim_ts(Nanos now) {
  std::string frac = std::to_string(now % kSecond);
  std::string ts = std::to_string(now / kSecond);
  ts += '.';
  ts += std::string(9 - frac.size(), '0');
  ts += frac;
  return ts;
}

constexpr char kStatusRouting[] = "@status";

harness::sut::Role role_of(const std::string& name) {
  if (name == "leader") return harness::sut::Role::kLeader;
  if (name == "candidate" || name == "pre-candidate") return harness::sut::Role::kCandidate;
  if (name == "follower") return harness::sut::Role::kFollower;
  return harness::sut::Role::kUnknown;
}

}  // namespace

std::unique_ptr<NodeProcess> NodeProcess::open(const node::NodeCoreOptions& options, SimDisk* disk,
                                               LogSink* logs, Nanos now, std::string* error) {
  auto core = node::NodeCore::open(options, disk);
  if (!core) {
    *error = core.status().message();
    if (logs->lines.size() < logs->max_lines) {
      logs->lines.push_back(node::render_log_line(
          options.id, node::LogLine{node::LogLevel::kError, "cannot start", {{"error", *error}}, 0, "follower"},
          sim_ts(now)));
    }
    return nullptr;
  }
  std::unique_ptr<NodeProcess> p(new NodeProcess(std::move(core.value()), disk, logs));
  // As kvnode's driver: what the core has sent so far goes out before each fsync.
  p->core_->set_before_sync([raw = p.get()] {
    raw->synced_vote_before_ = std::exchange(raw->synced_vote_, {raw->core_->term(), raw->core_->vote()});
    raw->synced_since_open_ = true;
    if (!raw->current_) return;
    // The step's previous fsync (if any) has returned: what it wrote is durable.
    if (raw->syncing_last_) raw->durable_last_ = *raw->syncing_last_;
    raw->syncing_last_ = raw->core_->last_index();
    raw->drain(raw->current_now_, *raw->current_);
    raw->current_->sync_point();
  });
  p->synced_vote_ = p->synced_vote_before_ = {p->core_->term(), p->core_->vote()};  // recovered
  p->recovered_unsynced_ = disk->read_not_durable();
  p->recovered_floor_ = p->core_->first_index() - 1;
  p->core_->started("sim://n" + std::to_string(options.id));
  p->core_->tick(now);
  return p;
}

void NodeProcess::receive(int from, Frames frames, Nanos now, Outbox&) {
  frames.insert(frames.begin(), routing_frame(from));
  core_->receive(std::move(frames), now);
}

void NodeProcess::tick(Nanos now, Outbox&) { core_->tick(now); }

void NodeProcess::wake(uint64_t token, Nanos, Outbox&) {
  if (token == 0 || token > jobs_.size()) return;
  node::StorageJob job = std::move(jobs_[token - 1]);
  auto done = run_off_loop(job);  // its time was the wake-up's delay
  if (done) core_->on_snapshot_written(std::move(*done));
}

std::optional<node::SnapshotWritten> NodeProcess::run_off_loop(const node::StorageJob& job) {
  const Nanos mark = disk_->busy();
  auto done = core_->run_storage_job(job);
  disk_->discard_busy_since(mark);  // not the step's time: the job ran off the loop
  return done;
}

Durability NodeProcess::durability(bool in_synced_step) const {
  Durability d;
  d.recovery_unsynced = recovered_unsynced_ && (!synced_since_open_ || in_synced_step);
  d.through = d.recovery_unsynced ? recovered_floor_ : in_synced_step ? durable_last_ : ~raft::Index{0};
  d.vote = in_synced_step ? synced_vote_before_ : synced_vote_;
  return d;
}

void NodeProcess::end_step(Nanos now, Outbox& out) {
  current_ = &out;
  current_now_ = now;
  // The log as the previous step left it: its fsyncs have all returned. (Not last_index() now:
  // the inputs handled since then already appended this step's entries in memory.)
  durable_last_ = step_end_last_;
  syncing_last_.reset();
  core_->flush();
  step_end_last_ = core_->last_index();
  current_ = nullptr;
  drain(now, out);
  if (observer_) observer_(*this);
  reads_.clear();
}

void NodeProcess::drain(Nanos now, Outbox& out, std::vector<std::string>* status_reply) {
  node::Outbox o = core_->take_outbox();
  for (auto& r : o.reads) reads_.push_back(std::move(r));
  const std::string ts = logs_->lines.size() < logs_->max_lines && !o.logs.empty() ? sim_ts(now) : "";
  for (const auto& line : o.logs) {
    if (logs_->lines.size() < logs_->max_lines) {
      logs_->lines.push_back(node::render_log_line(core_->id(), line, ts));
    } else {
      ++logs_->dropped;
    }
  }
  for (auto& m : o.messages) {
    if (m.to_node != raft::kNoNode) {
      out.send(static_cast<int>(m.to_node) - 1, std::move(m.frames), false);
      continue;
    }
    if (m.frames.empty()) continue;
    if (status_reply && m.frames[0] == kStatusRouting) {
      *status_reply = std::move(m.frames);
      continue;
    }
    auto to = routing_endpoint(m.frames[0]);
    if (!to) continue;
    m.frames.erase(m.frames.begin());
    out.send(*to, std::move(m.frames), true);
  }
  for (auto& job : o.jobs) {
    if (job.kind == node::StorageJob::Kind::kRemoveFiles) {
      run_off_loop(job);  // kvnode's worker thread removes them
      continue;
    }
    const DiskTiming& t = disk_->timing();
    const Nanos delay = static_cast<Nanos>(
        (static_cast<double>(job.snapshot.data.size()) * t.ns_per_byte + 2.0 * static_cast<double>(t.fsync_max)) *
        t.slow_factor);
    jobs_.push_back(std::move(job));
    out.wake_after(delay, jobs_.size());
  }
}

harness::sut::NodeStatus NodeProcess::status(Nanos now, Outbox& out) {
  wire::StatusRequest req;
  req.nonce = 1;
  core_->receive({kStatusRouting, "sim", std::string(1, static_cast<char>(wire::MsgType::kStatusRequest)),
                  wire::encode(req)},
                 now);
  core_->flush();
  std::vector<std::string> reply;
  drain(now, out, &reply);
  harness::sut::NodeStatus st;
  st.role = role_of(raft::role_name(core_->role()));
  st.term = core_->term();
  if (core_->leader() != raft::kNoNode) st.leader = static_cast<int>(core_->leader()) - 1;
  st.commit_index = core_->commit_index();
  st.applied_index = core_->applied_index();
  if (auto f = wire::split_frames(std::move(reply)); f) {
    if (auto r = wire::decode_status_reply(f->payload); r) {
      st.log_bytes = r->log_bytes;
      st.snapshot_index = r->snapshot_index;
      st.snapshot_bytes = r->snapshot_bytes;
    }
  }
  return st;
}

}  // namespace sim
