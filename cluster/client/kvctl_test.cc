// Process tests of kvctl's command line (LABELS process): the shared options (--cluster,
// --timeout-ms) parse before or after the subcommand. kvctl talks to a fake one-node cluster in
// this process (FakeNode: a ROUTER on 127.0.0.1 that applies get/put/append to a map and answers
// status), so the test needs no kvnode and sees exactly which requests kvctl sent.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "cluster/wire/frames.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

namespace fs = std::filesystem;

// FakeNode: node 1 of a one-node cluster. Owns its socket on its own thread; the test thread reads
// what it recorded through the mutex. With `silent`, it answers nothing (every outcome unknown).
class FakeNode {
 public:
  explicit FakeNode(bool silent = false) : silent_(silent), socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:0");
    address_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeNode() {
    stop_ = true;
    thread_.join();
  }
  const std::string& address() const { return address_; }
  std::vector<wire::ClientRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::string value(const std::string& key) {
    std::lock_guard lock(mu_);
    return data_[key];
  }

 private:
  void serve() {
    // Bounded by the destructor: stop_ is checked every 20 ms.
    while (!stop_) {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(20));
      std::vector<std::string> parts;
      while (wire::recv_multipart(socket_, &parts)) {
        auto frames = wire::split_frames(std::move(parts));
        if (frames && !silent_) answer(*frames);
      }
    }
  }
  void answer(wire::Frames in) {
    wire::Frames out;
    out.envelope = std::move(in.envelope);
    out.sender = "n1";
    if (in.type == wire::MsgType::kClientRequest) {
      auto req = wire::decode_client_request(in.payload);
      if (!req) return;
      wire::ClientReply reply;
      reply.client_id = req->client_id;
      reply.seq = req->seq;
      reply.node_id = 1;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(*req);
        std::string& v = data_[req->key];
        if (req->op == wire::OpKind::kPut) v = req->value;
        if (req->op == wire::OpKind::kAppend) v += req->value;
        if (req->op == wire::OpKind::kGet) reply.value = v;
      }
      out.type = wire::MsgType::kClientReply;
      out.payload = wire::encode(reply);
    } else if (in.type == wire::MsgType::kStatusRequest) {
      auto req = wire::decode_status_request(in.payload);
      if (!req) return;
      wire::StatusReply reply;
      reply.nonce = req->nonce;
      reply.id = 1;
      reply.role = "leader";
      reply.term = 3;
      reply.leader = 1;
      out.type = wire::MsgType::kStatusReply;
      out.payload = wire::encode(reply);
    } else {
      return;
    }
    wire::send_multipart(socket_, wire::join_frames(out));
  }

  const bool silent_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<wire::ClientRequest> requests_;
  std::map<std::string, std::string> data_;
};

// A cluster file naming the fake node, in the test's temporary directory.
std::string cluster_file(const FakeNode& node, const std::string& name) {
  const std::string path = (fs::path(::testing::TempDir()) / (name + ".yaml")).string();
  std::ofstream(path) << "nodes:\n  - id: 1\n    listen: \"" << node.address() << "\"\n";
  return path;
}

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs kvctl with `args` (each single-quoted for the shell) and waits for it. kvctl's own
// --timeout-ms (default 10 s) bounds every run.
Result kvctl(const std::vector<std::string>& args) {
  std::string command = KVCTL_PATH;
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>&1";
  Result r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string describe(const std::vector<std::string>& args) { return ::testing::PrintToString(args); }

TEST(KvctlOptions, SharedOptionsParseBeforeOrAfterTheSubcommand) {
  FakeNode node;
  const std::string f = cluster_file(node, "kvctl-options");
  const std::vector<std::vector<std::string>> writes = {
      {"put", "k", "a", "--cluster", f},
      {"append", "--cluster", f, "k", "b"},
      {"--timeout-ms", "5000", "append", "k", "c", "--cluster", f},
      {"append", "k", "d", "--timeout-ms", "5000", "--cluster", f},
      {"--cluster", f, "append", "k", "e"},
  };
  for (const auto& args : writes) {
    Result r = kvctl(args);
    EXPECT_EQ(r.exit_code, 0) << describe(args) << ": " << r.output;
    EXPECT_EQ(r.output, "ok\n") << describe(args);
  }
  EXPECT_EQ(node.value("k"), "abcde");
  Result get = kvctl({"get", "k", "--cluster", f});
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "abcde\n");
  const auto requests = node.requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].op, wire::OpKind::kPut);
  EXPECT_EQ(requests[5].op, wire::OpKind::kGet);
  Result status = kvctl({"status", "--node", "1", "--cluster", f});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("leader"), std::string::npos) << status.output;
  Result no_node = kvctl({"status", "--cluster", f, "--node", "9"});
  EXPECT_EQ(no_node.exit_code, 2);
  EXPECT_NE(no_node.output.find("--node 9: no such node"), std::string::npos) << no_node.output;
}

TEST(KvctlOptions, TimeoutAfterTheSubcommandIsTheOneUsed) {
  FakeNode silent(/*silent=*/true);
  const std::string f = cluster_file(silent, "kvctl-silent");
  Result r = kvctl({"get", "k", "--cluster", f, "--timeout-ms", "300"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("outcome unknown after 300 ms"), std::string::npos) << r.output;
}

TEST(KvctlOptions, UsageErrorsExit2WithOneClearLine) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"get", "k"}, "--cluster is required (before or after the subcommand)"},
      {{"get", "--timeout-ms", "300", "k"}, "--cluster is required"},
      {{"get", "k", "--cluster", "c.yaml", "--timeout-ms", "0"}, "--timeout-ms"},
      {{"get", "k", "--cluster"}, "--cluster"},
      {{"get", "k", "--cluster", "c.yaml", "--frobnicate"}, "--frobnicate"},
      {{"put", "k", "--cluster", "c.yaml"}, "value"},
  };
  for (const Case& c : cases) {
    Result r = kvctl(c.args);
    EXPECT_EQ(r.exit_code, 2) << describe(c.args) << ": " << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << describe(c.args) << ": " << r.output;
  }
}

}  // namespace
}  // namespace client
