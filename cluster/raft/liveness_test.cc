// Liveness after lost state or lost messages (issue 14 item 6), on real Raft objects with the
// messages carried by hand between the leader (1) and one follower (2); node 3 is unreachable.
//  - A follower that lost entries it had acknowledged (a torn tail cut into them) answers probes
//    below its match index; the leader used to drop those answers and stay stuck until a leader
//    change. It must forget the follower's match and probe its real log.
//  - An append lost in pipelined (replicate) mode used to be resent only when the pipeline
//    stalled (about an election timeout); a heartbeat answer that shows the gap resends at once.
#include <gtest/gtest.h>

#include <memory>

#include "cluster/raft/raft.h"

namespace raft {
namespace {

Config config3(NodeId id) {
  Config c;
  c.id = id;
  c.voters = {1, 2, 3};
  c.election_tick_min = 10;
  c.election_tick_max = 20;
  c.heartbeat_tick = 2;
  c.pre_vote = false;
  c.check_quorum = false;
  return c;
}

// Both nodes with their durable state (what a crash keeps), and the messages in flight 1<->2.
struct Pair {
  std::unique_ptr<Raft> leader = std::make_unique<Raft>(config3(1), RestoredState{});
  std::unique_ptr<Raft> follower = std::make_unique<Raft>(config3(2), RestoredState{});
  RestoredState follower_disk;
  std::vector<Message> to_leader, to_follower;

  // One Ready each: persist (the follower's to follower_disk), collect the messages for 1<->2.
  void process(Raft& r, bool is_follower, std::vector<Message>* out_for_other) {
    if (!r.has_ready()) return;
    Ready rd = r.ready();
    if (is_follower) {
      if (rd.has_hard_state) follower_disk.hard_state = rd.hard_state;
      auto& log = follower_disk.entries;
      if (!rd.entries.empty()) {
        while (!log.empty() && log.back().index >= rd.entries.front().index) log.pop_back();
        log.insert(log.end(), rd.entries.begin(), rd.entries.end());
      }
    }
    for (auto* batch : {&rd.messages, &rd.messages_after_persist})
      for (auto& m : *batch)
        if (m.to == (is_follower ? 1u : 2u)) out_for_other->push_back(m);
    r.advance();
  }
  // Delivers everything in flight (both ways) and processes the Readies, `rounds` times.
  void exchange(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      process(*leader, false, &to_follower);
      process(*follower, true, &to_leader);
      for (auto& m : std::exchange(to_follower, {})) ASSERT_TRUE(follower->step(m).is_ok());
      for (auto& m : std::exchange(to_leader, {})) ASSERT_TRUE(leader->step(m).is_ok());
    }
  }
  void elect_leader() {
    leader->campaign();
    exchange(4);
    ASSERT_EQ(leader->role(), Role::kLeader);
  }
};

TEST(Liveness, AFollowerThatLostAcknowledgedEntriesIsProbedAndCatchesUp) {
  Pair p;
  p.elect_leader();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(p.leader->propose(std::string(3, char('a' + i))).accepted);
  p.exchange(6);
  ASSERT_EQ(p.follower->last_index(), 6u);
  ASSERT_EQ(p.leader->commit_index(), 6u);

  // The follower crashes; a torn tail cut off entries 4..6 it had acknowledged.
  RestoredState kept = p.follower_disk;
  kept.entries.resize(3);
  kept.hard_state.commit = std::min<Index>(kept.hard_state.commit, 3);
  p.follower_disk = kept;
  p.follower = std::make_unique<Raft>(config3(2), kept);
  p.to_follower.clear();
  p.to_leader.clear();

  ASSERT_TRUE(p.leader->propose("after").accepted);
  // Bounded: heartbeats every 2 ticks; far fewer rounds than an election timeout suffice.
  for (int round = 0; round < 20 && p.follower->last_index() < 7; ++round) {
    p.leader->tick();
    p.exchange(3);
  }
  p.exchange(3);  // the follower's acknowledgement reaches the leader
  EXPECT_EQ(p.follower->last_index(), 7u) << "the follower never got its lost entries back";
  EXPECT_EQ(p.follower_disk.entries.size(), 7u);
  EXPECT_EQ(p.leader->commit_index(), 7u);
}

TEST(Liveness, AHeartbeatAnswerShowingALostAppendResendsAtOnce) {
  Pair p;
  p.elect_leader();
  ASSERT_TRUE(p.leader->propose("a").accepted);
  p.exchange(4);  // replicate mode now, match 2
  ASSERT_EQ(p.follower->last_index(), 2u);

  ASSERT_TRUE(p.leader->propose("lost").accepted);
  p.process(*p.leader, false, &p.to_follower);
  ASSERT_EQ(p.to_follower.size(), 1u);
  ASSERT_EQ(p.to_follower[0].type, MessageType::kAppend);
  p.to_follower.clear();  // the network drops it

  // One heartbeat round trip: the leader's very next Ready must resend entry 3.
  p.leader->tick();
  p.leader->tick();
  p.process(*p.leader, false, &p.to_follower);
  ASSERT_FALSE(p.to_follower.empty());
  for (auto& m : std::exchange(p.to_follower, {})) ASSERT_TRUE(p.follower->step(m).is_ok());
  p.process(*p.follower, true, &p.to_leader);
  for (auto& m : std::exchange(p.to_leader, {})) ASSERT_TRUE(p.leader->step(m).is_ok());
  p.process(*p.leader, false, &p.to_follower);
  bool resent = false;
  for (const Message& m : p.to_follower)
    if (m.type == MessageType::kAppend && !m.entries.empty() && m.entries.back().index == 3)
      resent = true;
  EXPECT_TRUE(resent) << "the lost append was not resent after the heartbeat answer";
}

}  // namespace
}  // namespace raft
