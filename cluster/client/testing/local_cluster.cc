#include "cluster/client/testing/local_cluster.h"

#include "cluster/wire/cluster_config.h"
#include "cluster/wire/curve.h"
#include "common/free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace client::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Polling interval while waiting for a child to exit or a cluster to settle (bounded by deadlines).
constexpr std::chrono::milliseconds kPollInterval{5};

pid_t spawn(const std::string& path, const std::vector<std::string>& args, int stderr_fd) {
  std::vector<std::string> argv_s{path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    if (stderr_fd >= 0) dup2(stderr_fd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
    }
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits (bounded) for `pid` to exit; returns the exit code or -signal, nullopt on timeout.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    if (r < 0) return std::nullopt;
    if (Clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int free_port() { return common::pick_free_loopback_port(); }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/faultline-XXXXXX";
  if (mkdtemp(tmpl.data())) path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ProcessResult run_to_exit(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout) {
  TempDir dir;
  std::string err_path = dir.path() + "/stderr";
  int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ProcessResult result;
  pid_t pid = spawn(path, args, fd);
  if (fd >= 0) close(fd);
  if (pid < 0) {
    result.exit_code = 127;
    return result;
  }
  auto code = wait_exit(pid, timeout);
  if (!code) {
    result.timed_out = true;
    kill(pid, SIGKILL);
    code = wait_exit(pid, std::chrono::seconds(10));
  }
  result.exit_code = code.value_or(-SIGKILL);
  result.stderr_text = read_all(err_path);
  return result;
}

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {}

common::Result<std::unique_ptr<LocalCluster>> LocalCluster::start(LocalClusterOptions options) {
  std::unique_ptr<LocalCluster> c(new LocalCluster(std::move(options)));
  if (c->dir_.path().empty()) return common::Status::io_error("cannot create a temp directory");
  std::string yaml = "nodes:\n";
  for (int i = 0; i < c->options_.nodes; ++i) {
    int port = free_port();
    if (port == 0) return common::Status::unavailable("no free port on 127.0.0.1");
    std::string addr = "tcp://127.0.0.1:" + std::to_string(port);
    c->addresses_.push_back(addr);
    yaml += "  - id: " + std::to_string(i + 1) + "\n    listen: " + addr + "\n";
    std::filesystem::create_directories(c->data_dir(i));
  }
  if (c->options_.curve) {
    std::vector<uint64_t> ids;
    for (int i = 0; i < c->options_.nodes; ++i) ids.push_back(c->node_id(i));
    std::filesystem::create_directories(c->keys_dir());
    if (auto s = wire::generate_cluster_curve_keys(c->keys_dir(), ids); !s) return s;
    yaml += "security: curve\ncurve_keys: keys\n";
  }
  yaml += c->options_.extra_yaml;
  c->cluster_file_ = c->dir_.path() + "/cluster.yaml";
  std::ofstream(c->cluster_file_) << yaml;
  c->pids_.assign(c->options_.nodes, 0);
  ClerkOptions co;
  co.servers = c->addresses_;
  if (c->options_.curve) {
    auto cfg = wire::load_cluster_config(c->cluster_file_);
    if (!cfg) return cfg.status();
    auto curve = clerk_curve_for(*cfg);
    if (!curve) return curve.status();
    c->curve_ = curve.value();
    co.curve = c->curve_;
  }
  c->status_clerk_ = std::make_unique<Clerk>(co);
  for (int i = 0; i < c->options_.nodes; ++i)
    if (auto s = c->start_node(i); !s) return s;
  return c;
}

LocalCluster::~LocalCluster() {
  for (int i = 0; i < size(); ++i)
    if (pids_[i] > 0) stop_node(i, SIGKILL);
}

std::string LocalCluster::data_dir(int i) const {
  return dir_.path() + "/n" + std::to_string(i + 1);
}
std::string LocalCluster::log_path(int i) const {
  return dir_.path() + "/n" + std::to_string(i + 1) + ".log";
}

common::Status LocalCluster::start_node(int i) {
  if (pids_[i] > 0) return common::Status::invalid_argument("node already running");
  int fd = open(log_path(i).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return common::Status::io_error(log_path(i) + ": " + std::strerror(errno));
  std::vector<std::string> args{"--cluster",  cluster_file_, "--id", std::to_string(node_id(i)),
                                "--data-dir", data_dir(i)};
  if (options_.unsafe) args.push_back("--unsafe");
  pid_t pid = spawn(options_.kvnode_path, args, fd);
  close(fd);
  if (pid < 0) return common::Status::io_error(std::string("fork: ") + std::strerror(errno));
  pids_[i] = pid;
  return common::Status::ok();
}

std::optional<int> LocalCluster::stop_node(int i, int sig, std::chrono::milliseconds wait) {
  if (pids_[i] <= 0) return std::nullopt;
  kill(pids_[i], sig);
  if (sig != SIGKILL && sig != SIGTERM && sig != SIGINT) return std::nullopt;
  auto code = wait_exit(pids_[i], wait);
  if (!code) {  // did not stop in time: make sure it does, and reap it
    kill(pids_[i], SIGKILL);
    code = wait_exit(pids_[i], std::chrono::seconds(10));
  }
  pids_[i] = 0;
  return code;
}

bool LocalCluster::running(int i) {
  if (pids_[i] <= 0) return false;
  int st = 0;
  if (waitpid(pids_[i], &st, WNOHANG) == pids_[i]) {
    pids_[i] = 0;
    return false;
  }
  return true;
}

std::optional<NodeStatus> LocalCluster::status(int i, std::chrono::milliseconds timeout) {
  auto s = status_clerk_->status(static_cast<size_t>(i), timeout);
  if (!s) return std::nullopt;
  return *s;
}

std::optional<int> LocalCluster::wait_for_leader(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    std::vector<std::optional<NodeStatus>> st;
    for (int i = 0; i < size(); ++i)
      st.push_back(running(i) ? status(i, std::chrono::milliseconds(200)) : std::nullopt);
    for (int i = 0; i < size(); ++i) {
      if (!st[i] || st[i]->role != "leader") continue;
      int agree = 0;
      for (const auto& s : st)
        if (s && s->term == st[i]->term && s->leader == st[i]->id) ++agree;
      if (agree > size() / 2) return i;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return std::nullopt;
}

}  // namespace client::testing
