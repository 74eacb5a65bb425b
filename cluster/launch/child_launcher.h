#pragma once
// spawn_child: starts child processes that cannot outlive their parent (the harness, a process
// test, kvbench). Used by ClusterProcesses and run_to_exit; any thread may call it. Every fork in
// the process happens on ONE long-lived launcher thread, for two reasons:
//  - PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process: a child
//    forked from a short-lived nemesis thread would otherwise be killed when that thread ends;
//  - Boost.Process makes its exec-error pipe with pipe() and sets FD_CLOEXEC afterwards. A fork on
//    another thread between the two hands the pipe's write end to that other child, and the first
//    spawn then waits for EOF until the other child exits. With one launcher per cluster, two
//    clusters started side by side (`faultline run --jobs 2`, a process test) could hang for the
//    other cluster's whole lifetime. One thread for every fork closes that window.
//
// In the child (between fork and exec) it: sets PR_SET_PDEATHSIG(SIGKILL) and exits at once if the
// parent already died; moves into its own process group (a terminal Ctrl-C then reaches only the
// parent, which decides); points stdin at /dev/null and stderr (and stdout, unless given its own
// file) at the log file opened with O_APPEND. The caller owns the returned PID: it must reap it
// (waitpid) and then unregister it.
//
// Every spawned PID is also kept in a process-wide, fixed-size table of live children so that
// install_kill_children_on_signal()'s async-signal-safe handler can SIGKILL them. That table is the
// one piece of global state here: a signal handler cannot reach anything else.
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace launch {

// Starts `exe` with `args`, stderr appended to `log_path`, stdout too unless `stdout_path` names
// another file (appended as well). Fails with the reason (exec error, a file not writable). The PID
// is registered in the live-children table. The fork runs on the process-wide launcher thread
// (started on first use, alive until the process exits).
common::Result<pid_t> spawn_child(const std::string& exe, const std::vector<std::string>& args,
                                  const std::string& log_path, const std::string& stdout_path = "");

// Removes a reaped PID from the live-children table (call after waitpid returned it).
void unregister_child(pid_t pid);

// SIGINT and SIGTERM: SIGKILL every registered live child, then re-raise with the default action.
// Idempotent; safe to call from any thread.
void install_kill_children_on_signal();

}  // namespace launch
