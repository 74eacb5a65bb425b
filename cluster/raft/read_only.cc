#include "cluster/raft/read_only.h"

namespace raft {

std::vector<ReadState> ReadOnly::release_queued(Index commit) {
  std::vector<ReadState> out;
  for (auto& r : queued_) out.push_back(ReadState{commit, std::move(r)});
  queued_.clear();
  return out;
}

std::string ReadOnly::start_round(Index commit) {
  Round round;
  round.context = "readindex:" + std::to_string(next_round_++);
  round.index = commit;
  round.requests = std::move(queued_);
  queued_.clear();
  rounds_.push_back(std::move(round));
  return rounds_.back().context;
}

std::string ReadOnly::last_context() const {
  return rounds_.empty() ? std::string() : rounds_.back().context;
}

std::vector<ReadState> ReadOnly::ack(NodeId from, const std::string& context, size_t quorum) {
  std::vector<ReadState> out;
  size_t pos = 0;
  while (pos < rounds_.size() && rounds_[pos].context != context) ++pos;
  if (pos == rounds_.size()) return out;
  rounds_[pos].acks.insert(from);
  if (rounds_[pos].acks.size() + 1 < quorum) return out;
  for (size_t k = 0; k <= pos; ++k) {
    for (auto& r : rounds_.front().requests) out.push_back(ReadState{rounds_.front().index, r});
    rounds_.pop_front();
  }
  return out;
}

void ReadOnly::reset() {
  queued_.clear();
  rounds_.clear();
}

}  // namespace raft
