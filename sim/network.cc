#include "sim/network.h"

#include <algorithm>

namespace sim {

namespace {
constexpr int kNoPartition = -2;
constexpr int kNoSide = -1;
}  // namespace

Nanos Latency::draw(common::Rng& rng) const {
  Nanos d = max > min ? rng.uniform(min, max) : min;
  if (tail > 0 && tail_max > 0 && rng.chance(tail)) d += rng.uniform(0, tail_max);
  if (stall > 0 && stall_max > 0 && rng.chance(stall)) d += rng.uniform(0, stall_max);
  return d;
}

SimNetwork::SimNetwork(EventLoop& loop, common::Rng rng, int nodes)
    : loop_(loop), rng_(rng), nodes_(nodes), side_(static_cast<size_t>(nodes), kNoPartition) {}

void SimNetwork::attach(int endpoint, Handler handler) {
  if (hold_max_ > 0) ++generation_[endpoint];
  std::unique_ptr<Handler>& slot = handlers_[endpoint];
  if (endpoint == delivering_to_ && slot) retired_.push_back(std::move(slot));
  slot = std::make_unique<Handler>(std::move(handler));
}

void SimNetwork::detach(int endpoint) {
  auto it = handlers_.find(endpoint);
  if (it == handlers_.end()) return;
  if (endpoint == delivering_to_) retired_.push_back(std::move(it->second));
  handlers_.erase(it);
}

void SimNetwork::set_quality(int a, int b, const LinkQuality& q) {
  quality_[{a, b}] = q;
  quality_[{b, a}] = q;
}

const LinkQuality& SimNetwork::quality(int from, int to, bool reply) const {
  if (quality_.empty()) return baseline_;
  auto it = quality_.find(reply ? std::make_pair(row(to), row(from)) : std::make_pair(row(from), row(to)));
  return it == quality_.end() ? baseline_ : it->second;
}

void SimNetwork::set_partition(const std::vector<std::vector<int>>& sides) {
  std::fill(side_.begin(), side_.end(), kNoSide);
  for (size_t s = 0; s < sides.size(); ++s) {
    for (int n : sides[s]) {
      if (n >= 0 && n < nodes_) side_[static_cast<size_t>(n)] = static_cast<int>(s);
    }
  }
  release_held();
}

void SimNetwork::cut(const std::vector<std::pair<int, int>>& pairs) {
  for (const auto& [a, b] : pairs) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  release_held();
}

void SimNetwork::heal() {
  std::fill(side_.begin(), side_.end(), kNoPartition);
  cut_.clear();
  clogged_.clear();
  client_reach_.reset();
  release_held();
}

void SimNetwork::unclog(int from, int to) {
  clogged_.erase({from, to});
  release_held();
}

void SimNetwork::set_client_reach(std::optional<std::set<int>> nodes) {
  client_reach_ = std::move(nodes);
  release_held();
}

void SimNetwork::release_client(int client) {
  confined_.erase(client);
  release_held();
}

void SimNetwork::block(int from, int to, Frames& frames, bool reply) {
  ++counters_.blocked;
  if (hold_max_ <= 0) return;
  constexpr size_t kMaxHeld = 200000;  // a bound on memory in a long partition: the oldest go
  if (held_.size() >= kMaxHeld) held_.erase(held_.begin());
  ++counters_.held;
  held_.push_back(Held{from, to, std::move(frames), loop_.now(), reply, generation(from), generation(to)});
}

void SimNetwork::release_held() {
  if (held_.empty()) return;
  std::vector<Held> keep;
  for (Held& h : held_) {
    if (loop_.now() - h.since > hold_max_ || generation(h.from) != h.from_generation ||
        generation(h.to) != h.to_generation)
      continue;  // the connection timed out, or an end restarted: lost
    if (blocked(h.from, h.to)) {
      keep.push_back(std::move(h));
      continue;
    }
    ++counters_.released;
    const LinkQuality& q = quality(h.from, h.to, h.reply);
    schedule(h.from, h.to, std::move(h.frames), q.latency.draw(rng_), !q.reorder, h.reply);
  }
  held_ = std::move(keep);
}

bool SimNetwork::blocked(int from, int to) const {
  if (is_client(from) || is_client(to)) {
    const int client = (is_client(from) ? from : to) - kClientBase;
    const int node = is_client(from) ? to : from;
    if (is_client(node)) return true;  // clients do not talk to each other
    auto it = confined_.find(client);
    if (it != confined_.end()) return it->second.count(node) == 0;
    return client_reach_ && client_reach_->count(node) == 0;
  }
  if (from < 0 || to < 0 || from >= nodes_ || to >= nodes_) return true;
  const int sf = side_[static_cast<size_t>(from)];
  const int st = side_[static_cast<size_t>(to)];
  if (sf != kNoPartition && (sf == kNoSide || st == kNoSide || sf != st)) return true;
  if (!cut_.empty() && cut_.count({from, to})) return true;
  return !clogged_.empty() && clogged_.count({from, to}) > 0;
}

void SimNetwork::send(int from, int to, Frames frames, bool reply, Nanos leave_after) {
  ++counters_.sent;
  loop_.note(static_cast<uint64_t>(from) * 0x100000001ULL + static_cast<uint64_t>(to));
  loop_.note(frames.size());
  for (const auto& f : frames) loop_.note_bytes(f);
  if (blocked(from, to)) {
    block(from, to, frames, reply);
    return;
  }
  const LinkQuality& q = quality(from, to, reply);
  const double drop = reply ? q.drop_replies : q.drop_requests;
  if (drop > 0 && rng_.chance(drop)) {
    ++counters_.lost;
    return;
  }
  if (q.duplicate > 0 && rng_.chance(q.duplicate)) {
    ++counters_.duplicated;
    schedule(from, to, frames, leave_after + q.latency.draw(rng_), false, reply);
  }
  schedule(from, to, std::move(frames), leave_after + q.latency.draw(rng_), !q.reorder, reply);
}

void SimNetwork::schedule(int from, int to, Frames frames, Nanos delay, bool fifo, bool reply) {
  Nanos at = loop_.now() + delay;
  if (fifo) {
    Nanos& last = last_arrival(from, to);
    at = std::max(at, last);
    last = at;
  }
  loop_.at(at, EventKind::kDeliver,
           [this, from, to, reply, f = std::move(frames)]() mutable { deliver(from, to, f, reply); });
}

Nanos& SimNetwork::last_arrival(int from, int to) {
  const auto n = static_cast<size_t>(nodes_);
  auto in_range = [&](int e) { return e >= 0 && e < nodes_; };
  if (!is_client(from) && !is_client(to)) {
    if (!in_range(from) || !in_range(to)) return other_arrival_[{from, to}];
    if (node_arrival_.empty()) node_arrival_.assign(n * n, 0);
    return node_arrival_[static_cast<size_t>(from) * n + static_cast<size_t>(to)];
  }
  if (is_client(from) == is_client(to)) return other_arrival_[{from, to}];
  const int node = is_client(from) ? to : from;
  if (!in_range(node)) return other_arrival_[{from, to}];
  const auto client = static_cast<size_t>((is_client(from) ? from : to) - kClientBase);
  std::vector<Nanos>& table = is_client(from) ? from_client_arrival_ : to_client_arrival_;
  if (table.size() < (client + 1) * n) table.resize((client + 1) * n, 0);
  return table[client * n + static_cast<size_t>(node)];
}

void SimNetwork::deliver(int from, int to, Frames& frames, bool reply) {
  if (blocked(from, to)) {
    block(from, to, frames, reply);
    return;
  }
  auto it = handlers_.find(to);
  if (it == handlers_.end()) {
    ++counters_.unreachable;
    return;
  }
  ++counters_.delivered;
  loop_.note(static_cast<uint64_t>(to));
  // The handler may detach or replace its own endpoint (a node that stops): it is then kept in
  // retired_ until it returns.
  struct Delivering {
    SimNetwork* net;
    int outer;
    ~Delivering() {
      net->delivering_to_ = outer;
      if (outer == -1) net->retired_.clear();
    }
  } delivering{this, delivering_to_};
  delivering_to_ = to;
  (*it->second)(from, std::move(frames));
}

}  // namespace sim
