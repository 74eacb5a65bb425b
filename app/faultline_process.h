#pragma once
// Test helper for the CLI's process tests: runs the real faultline binary (FAULTLINE_BIN, set by
// CMake) through /bin/sh and collects its exit status and output. popen/pclose reap the child
// before returning. Header-only; test code only.
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace app::testing {

struct ProcessRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs `faultline ARGS` after `prefix` (e.g. "cd DIR && ").
inline ProcessRun faultline(const std::string& args, const std::string& prefix = "") {
  ProcessRun r;
  const std::string cmd = prefix + std::string(FAULTLINE_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int w = pclose(p);
  r.status = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
  return r;
}

}  // namespace app::testing
