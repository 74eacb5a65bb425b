// kvctl: the KV service from the command line, for people. Reads the cluster file for the
// client addresses and uses a Clerk. Prints the value (get) or "ok"; exit 0 on success,
// 1 when the outcome is unknown (deadline passed) or a node is unreachable, 2 on usage errors.
// --cluster and --timeout-ms may come before or after the subcommand (`kvctl get k --cluster c`).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cluster/client/clerk.h"
#include "cluster/wire/cluster_config.h"

namespace {

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "kvctl: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvctl: get, put, append and status against a faultline KV cluster"};
  std::string cluster_file, key, value;
  int timeout_ms = 10000;
  uint64_t node_id = 0;
  // The options every subcommand shares, on the top level and on each subcommand (bound to the
  // same variables), so they parse in either place and each subcommand's --help lists them.
  auto add_shared_options = [&](CLI::App* to) {
    to->add_option("--cluster", cluster_file, "YAML cluster file (required)");
    to->add_option("--timeout-ms", timeout_ms, "give up after this long (outcome unknown)")
        ->check(CLI::Range(1, 3600000));
  };
  add_shared_options(&app);
  app.require_subcommand(1);
  auto* get = app.add_subcommand("get", "print the value of KEY (empty if missing)");
  get->add_option("key", key, "key")->required();
  auto* put = app.add_subcommand("put", "set KEY to VALUE");
  put->add_option("key", key, "key")->required();
  put->add_option("value", value, "value")->required();
  auto* append = app.add_subcommand("append", "append ARG to the value of KEY");
  append->add_option("key", key, "key")->required();
  append->add_option("arg", value, "suffix")->required();
  auto* status = app.add_subcommand("status", "print each node's Raft status");
  status->add_option("--node", node_id, "only this node id");
  for (CLI::App* sub : {get, put, append, status}) add_shared_options(sub);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (cluster_file.empty()) {
    return usage_error("--cluster is required (before or after the subcommand); see kvctl --help");
  }
  try {
    auto cfg = wire::load_cluster_config(cluster_file);
    if (!cfg) return usage_error(cfg.status().message());
    client::ClerkOptions opts;
    opts.servers = cfg->client_addresses();
    client::Clerk clerk(opts);
    const auto timeout = std::chrono::milliseconds(timeout_ms);
    if (*status) {
      if (node_id != 0 && !cfg->find(node_id))
        return usage_error("--node " + std::to_string(node_id) + ": no such node in " +
                           cluster_file);
      int rc = 0;
      std::printf("%-4s %-14s %-6s %-6s %-8s %-8s %-8s %-10s %-9s %-10s\n", "id", "role", "term",
                  "leader", "commit", "applied", "last", "log_bytes", "snapshot", "snap_bytes");
      for (size_t i = 0; i < cfg->nodes.size(); ++i) {
        if (node_id != 0 && cfg->nodes[i].id != node_id) continue;
        auto s = clerk.status(i, std::min(timeout, std::chrono::milliseconds(2000)));
        if (!s) {
          std::printf("%-4llu unreachable: %s\n", (unsigned long long)cfg->nodes[i].id,
                      s.status().message().c_str());
          rc = 1;
          continue;
        }
        std::printf("%-4llu %-14s %-6llu %-6llu %-8llu %-8llu %-8llu %-10llu %-9llu %-10llu\n",
                    (unsigned long long)s->id, s->role.c_str(), (unsigned long long)s->term,
                    (unsigned long long)s->leader, (unsigned long long)s->commit_index,
                    (unsigned long long)s->applied_index, (unsigned long long)s->last_index,
                    (unsigned long long)s->log_bytes, (unsigned long long)s->snapshot_index,
                    (unsigned long long)s->snapshot_bytes);
      }
      return rc;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    client::OpResult r = *get   ? clerk.get(key, deadline)
                         : *put ? clerk.put(key, value, deadline)
                                : clerk.append(key, value, deadline);
    if (r.outcome != client::Outcome::kOk) {
      std::fprintf(stderr, "kvctl: outcome unknown after %d ms (%d attempts)%s%s\n", timeout_ms,
                   r.attempts, r.value.empty() ? "" : ": ", r.value.c_str());
      return 1;
    }
    if (*get)
      std::printf("%s\n", r.value.c_str());
    else
      std::printf("ok\n");
    return 0;
  } catch (const std::exception& e) {
    return usage_error(std::string("unexpected error: ") + e.what());
  }
}
