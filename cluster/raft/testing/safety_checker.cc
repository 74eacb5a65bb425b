#include "cluster/raft/testing/safety_checker.h"

#include "common/binary.h"
#include "common/random.h"

namespace raft::testing {

uint64_t entry_hash(uint64_t prev, const Entry& e) {
  uint64_t h = prev * 0x100000001b3ULL ^ (e.term * 0x9e3779b97f4a7c15ULL);
  h ^= e.index + (static_cast<uint64_t>(e.type) << 60);
  return h * 0xbf58476d1ce4e5b9ULL ^ common::hash64(e.data);
}

void DiskLog::write(const std::vector<Entry>& es) {
  if (es.empty()) return;
  const Index from = es.front().index;
  entries.resize(from - 1);
  prefix.resize(from - 1);
  for (const auto& e : es) {
    prefix.push_back(entry_hash(prefix.empty() ? 0 : prefix.back(), e));
    entries.push_back(e);
  }
}

std::string encode_entries(const std::vector<Entry>& entries) {
  std::string out;
  common::BinaryWriter w(&out);
  for (const Entry& e : entries) {
    w.u64(e.term);
    w.u64(e.index);
    w.u8(static_cast<uint8_t>(e.type));
    w.bytes(e.data);
  }
  return out;
}

std::vector<Entry> decode_entries(const std::string& data) {
  std::vector<Entry> out;
  common::BinaryReader r(data);
  while (!r.at_end()) {
    Entry e;
    uint8_t type = 0;
    if (!r.u64(&e.term) || !r.u64(&e.index) || !r.u8(&type) || !r.bytes(&e.data)) break;
    e.type = static_cast<EntryType>(type);
    out.push_back(std::move(e));
  }
  return out;
}

void SafetyChecker::on_install(NodeId node, const DiskLog& disk, Index index) {
  const std::string who = "node " + std::to_string(node);
  if (disk.last_index() != index) {
    fail(who + " installed a snapshot through " + std::to_string(index) + " holding " +
         std::to_string(disk.last_index()) + " entries");
    return;
  }
  if (index > applied_.size() || disk.prefix_at(index) != applied_prefix_[index - 1]) {
    fail(who + " installed a snapshot through " + std::to_string(index) +
         " that differs from the applied history");
    return;
  }
  for (Index i = 1; i <= index; ++i) {
    prefix_by_id_.emplace(std::make_pair(i, disk.entries[i - 1].term), disk.prefix_at(i));
  }
}

void SafetyChecker::fail(const std::string& what) {
  if (violation_.empty()) violation_ = "tick " + std::to_string(tick_) + ": " + what;
}

void SafetyChecker::on_persist(NodeId node, const DiskLog& disk, Index from) {
  for (Index i = from; i <= disk.last_index(); ++i) {
    const Entry& e = disk.entries[i - 1];
    if (e.index != i) fail("node " + std::to_string(node) + " wrote a gap at " + std::to_string(i));
    auto [it, fresh] = prefix_by_id_.emplace(std::make_pair(i, e.term), disk.prefix_at(i));
    if (!fresh && it->second != disk.prefix_at(i)) {
      fail("log matching: node " + std::to_string(node) + " holds (index " + std::to_string(i) +
           ", term " + std::to_string(e.term) + ") with a different log prefix than another node");
    }
  }
  // A node may hold stale uncommitted entries at an index committed elsewhere, but it must never
  // rewrite an entry it has itself durably recorded as committed.
  if (from <= disk.hard_state.commit) {
    fail("node " + std::to_string(node) + " rewrote its own committed entry " +
         std::to_string(from) + " (durable commit " + std::to_string(disk.hard_state.commit) + ")");
  }
}

void SafetyChecker::on_hard_state(NodeId node, const HardState& prev, const HardState& next) {
  const std::string who = "node " + std::to_string(node);
  if (next.term < prev.term) fail(who + ": term went back " + std::to_string(prev.term) + "->" +
                                  std::to_string(next.term));
  if (next.commit < prev.commit) fail(who + ": durable commit went back");
  if (next.term == prev.term && prev.vote != kNoNode && next.vote != prev.vote) {
    fail(who + ": changed its vote within term " + std::to_string(next.term));
  }
}

void SafetyChecker::on_apply(NodeId node, const Entry& e, Index expected_index,
                             const DiskLog& disk) {
  const std::string who = "node " + std::to_string(node);
  if (e.index != expected_index) {
    fail(who + " applied index " + std::to_string(e.index) + ", expected " +
         std::to_string(expected_index));
    return;
  }
  if (disk.last_index() < e.index || !(disk.entries[e.index - 1] == e)) {
    fail(who + " applied index " + std::to_string(e.index) + " that is not in its durable log");
    return;
  }
  if (e.index <= applied_.size()) {
    if (!(applied_[e.index - 1] == e) || applied_prefix_[e.index - 1] != disk.prefix_at(e.index)) {
      fail("state-machine safety: " + who + " applied a different entry at index " +
           std::to_string(e.index) + " (term " + std::to_string(e.term) + " vs " +
           std::to_string(applied_[e.index - 1].term) + ")");
    }
    return;
  }
  applied_.push_back(e);
  applied_prefix_.push_back(disk.prefix_at(e.index));
  max_applied_ = e.index;
}

void SafetyChecker::on_leader(NodeId node, Term term, const DiskLog& disk) {
  auto [it, fresh] = leader_of_term_.emplace(term, node);
  if (!fresh) {
    if (it->second != node) {
      fail("election safety: nodes " + std::to_string(it->second) + " and " +
           std::to_string(node) + " both lead term " + std::to_string(term));
    }
    return;
  }
  if (max_applied_ == 0) return;
  if (disk.last_index() < max_applied_ ||
      disk.prefix_at(max_applied_) != applied_prefix_[max_applied_ - 1]) {
    fail("leader completeness: node " + std::to_string(node) + " leads term " +
         std::to_string(term) + " without every entry applied through " +
         std::to_string(max_applied_));
  }
}

}  // namespace raft::testing
