#pragma once
// One-shot programs and scratch directories for process tests and kvbench: run_to_exit() runs a
// binary (kvctl, a kvnode that must refuse to start) to completion, bounded in time, through the
// same spawn_child() that starts cluster nodes; TempDir is a directory removed with its contents.
// Plain functions and a value-like RAII type; any thread.
#include <chrono>
#include <string>
#include <vector>

namespace launch {

// How a program run by run_to_exit() ended: its exit code (-signal if a signal ended it), what it
// wrote to stdout and to stderr, and whether it was killed for running past the timeout.
struct ProcessResult {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
  bool timed_out = false;
};

// Runs `path` with `args` until it exits or `timeout` passes (then SIGKILL); always reaped. A
// program that cannot be started has exit code 127 and the reason in stderr_text.
ProcessResult run_to_exit(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout);

// A fresh directory under $TMPDIR (or /tmp), removed with its contents by the destructor. path()
// is empty if it could not be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace launch
