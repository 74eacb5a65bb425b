#pragma once
// Interaction: a tiny scripting environment for readable Raft interaction tests, in the style of
// etcd/raft's datadriven testdata/*.txt. Nodes exchange messages only when the script says so,
// so every step of a protocol exchange shows up in the transcript. Owned by one test; single
// thread.
//
// Commands (one per line, arguments separated by spaces):
//   add-nodes N [pre-vote=false] [check-quorum=false] [snapshot-chunk=B] [election=T]
//                         create nodes 1..N (no random timeouts fire)
//   campaign ID | propose ID DATA | read-index ID CTX
//   tick-election ID | tick-heartbeat ID                  tick until the timer fires
//   process-ready ID...   run the node's Ready: persist, queue messages, apply
//   deliver-msgs ID...    step every message queued for the node
//   stabilize             process-ready and deliver-msgs until nothing moves
//   isolate ID | heal     drop messages to and from ID (when delivered) / stop dropping
//   crash ID | restart ID lose everything not persisted / start from the persisted state
//   compact ID            snapshot the node's state machine at its applied index
//   status                one line per node: role, term, leader, commit, last index
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/raft/raft.h"

namespace raft::testing {

class Interaction {
 public:
  Interaction();
  ~Interaction();
  // Runs one command line; returns its transcript (or "error: ..." for a bad command).
  std::string run(const std::string& line);

 private:
  struct Node;
  std::string add_nodes(const std::vector<std::string>& args);
  std::string process_ready(NodeId id);
  std::string deliver(NodeId id);
  std::string stabilize();
  std::string status() const;
  Node& node(const std::string& arg);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::set<NodeId> isolated_;
  Config config_;
};

std::string describe(const Message& m);
std::string describe(const Entry& e);

}  // namespace raft::testing
