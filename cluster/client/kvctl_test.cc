// Process tests of kvctl's command line against real kvnode processes (LABELS process): the shared
// options (--cluster, --timeout-ms) parse before or after the subcommand. Every child is reaped by
// LocalCluster's destructor or run_to_exit, even when an assertion fails.
#include <gtest/gtest.h>

#include "cluster/client/clerk.h"
#include "cluster/client/testing/local_cluster.h"

namespace client {
namespace {

using namespace std::chrono_literals;
using testing::LocalCluster;
using testing::run_to_exit;

std::unique_ptr<LocalCluster> start_cluster() {
  auto c = LocalCluster::start({KVNODE_PATH, 3, "", false});
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  return c ? std::move(c.value()) : nullptr;
}

std::string value_of(const LocalCluster& c, const std::string& key) {
  ClerkOptions o;
  o.servers = c.client_addresses();
  Clerk clerk(o);
  OpResult r = clerk.get(key, std::chrono::steady_clock::now() + 10s);
  EXPECT_EQ(r.outcome, Outcome::kOk);
  return r.value;
}

TEST(KvctlOptions, SharedOptionsParseBeforeOrAfterTheSubcommand) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  const std::string f = c->cluster_file();
  struct Case {
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {{"put", "k", "a", "--cluster", f}},
      {{"append", "--cluster", f, "k", "b"}},
      {{"--timeout-ms", "10000", "append", "k", "c", "--cluster", f}},
      {{"append", "k", "d", "--timeout-ms", "10000", "--cluster", f}},
      {{"--cluster", f, "append", "k", "e"}},
  };
  for (const Case& k : cases) {
    auto r = run_to_exit(KVCTL_PATH, k.args, 15s);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(k.args) << ": " << r.stderr_text;
  }
  EXPECT_EQ(value_of(*c, "k"), "abcde");
  auto get = run_to_exit(KVCTL_PATH, {"get", "k", "--cluster", f}, 15s);
  EXPECT_EQ(get.exit_code, 0) << get.stderr_text;
  auto status = run_to_exit(KVCTL_PATH, {"status", "--node", "2", "--cluster", f}, 15s);
  EXPECT_EQ(status.exit_code, 0) << status.stderr_text;
  auto no_node = run_to_exit(KVCTL_PATH, {"status", "--cluster", f, "--node", "9"}, 15s);
  EXPECT_EQ(no_node.exit_code, 2);
  EXPECT_NE(no_node.stderr_text.find("--node 9: no such node"), std::string::npos)
      << no_node.stderr_text;

  // --timeout-ms after the subcommand is the one used: with every node down, "after 300 ms".
  for (int i = 0; i < c->size(); ++i) c->stop_node(i, SIGKILL);
  auto down = run_to_exit(KVCTL_PATH, {"get", "k", "--cluster", f, "--timeout-ms", "300"}, 15s);
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.stderr_text.find("outcome unknown after 300 ms"), std::string::npos)
      << down.stderr_text;
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
  for (const Case& k : cases) {
    auto r = run_to_exit(KVCTL_PATH, k.args, 15s);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(k.args) << ": " << r.stderr_text;
    EXPECT_NE(r.stderr_text.find(k.expected), std::string::npos)
        << ::testing::PrintToString(k.args) << ": " << r.stderr_text;
  }
}

}  // namespace
}  // namespace client
