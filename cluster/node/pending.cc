#include "cluster/node/pending.h"

#include <utility>

namespace node {

std::optional<Waiter> PendingRequests::add_write(raft::Index index, raft::Term term, Waiter w) {
  // A second proposal at the same index means the first one's entry was overwritten (leadership
  // changed hands and came back between two polls): hand the old waiter back to be answered.
  std::optional<Waiter> displaced;
  auto it = writes_.find(index);
  if (it != writes_.end()) displaced = std::move(it->second.waiter);
  writes_[index] = Write{term, std::move(w)};
  return displaced;
}

std::optional<PendingRequests::Applied> PendingRequests::take_write(raft::Index index,
                                                                    raft::Term term) {
  auto it = writes_.find(index);
  if (it == writes_.end()) return std::nullopt;
  Applied a{std::move(it->second.waiter), it->second.term == term};
  writes_.erase(it);
  return a;
}

void PendingRequests::add_read_batch(const std::string& context, std::vector<Waiter> batch) {
  auto& v = unconfirmed_reads_[context];
  for (auto& w : batch) v.push_back(std::move(w));
}

void PendingRequests::read_confirmed(const std::string& context, raft::Index index) {
  auto it = unconfirmed_reads_.find(context);
  if (it == unconfirmed_reads_.end()) return;
  confirmed_reads_.emplace(index, std::move(it->second));
  unconfirmed_reads_.erase(it);
}

std::vector<Waiter> PendingRequests::take_reads_ready(raft::Index applied) {
  std::vector<Waiter> out;
  auto end = confirmed_reads_.upper_bound(applied);
  for (auto it = confirmed_reads_.begin(); it != end; ++it)
    for (auto& w : it->second) out.push_back(std::move(w));
  confirmed_reads_.erase(confirmed_reads_.begin(), end);
  return out;
}

std::vector<Waiter> PendingRequests::take_all() {
  std::vector<Waiter> out;
  for (auto& [index, w] : writes_) out.push_back(std::move(w.waiter));
  for (auto& [ctx, v] : unconfirmed_reads_)
    for (auto& w : v) out.push_back(std::move(w));
  for (auto& [index, v] : confirmed_reads_)
    for (auto& w : v) out.push_back(std::move(w));
  writes_.clear();
  unconfirmed_reads_.clear();
  confirmed_reads_.clear();
  return out;
}

std::vector<Waiter> PendingRequests::take_expired(int64_t now_ns, int64_t max_age_ns) {
  std::vector<Waiter> out;
  auto old = [&](const Waiter& w) { return now_ns - w.since_ns > max_age_ns; };
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (old(it->second.waiter)) {
      out.push_back(std::move(it->second.waiter));
      it = writes_.erase(it);
    } else {
      ++it;
    }
  }
  // A read batch expires as a whole (its members arrived within one poll round).
  for (auto it = unconfirmed_reads_.begin(); it != unconfirmed_reads_.end();) {
    if (!it->second.empty() && old(it->second.front())) {
      for (auto& w : it->second) out.push_back(std::move(w));
      it = unconfirmed_reads_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = confirmed_reads_.begin(); it != confirmed_reads_.end();) {
    if (!it->second.empty() && old(it->second.front())) {
      for (auto& w : it->second) out.push_back(std::move(w));
      it = confirmed_reads_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

size_t PendingRequests::size() const {
  size_t n = writes_.size();
  for (const auto& [c, v] : unconfirmed_reads_) n += v.size();
  for (const auto& [i, v] : confirmed_reads_) n += v.size();
  return n;
}

}  // namespace node
