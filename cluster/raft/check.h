#pragma once
// RAFT_CHECK: asserts a Raft safety invariant (a term never goes back, a committed entry is never
// overwritten, ...). A violation means the core or its caller has a bug that could lose data, so it
// fails loudly and at once: it prints the file, line, condition and a message to stderr and aborts.
// Always on (not compiled out in Release): the checks are cheap and the alternative is silent
// corruption.
#include <string>

namespace raft {

[[noreturn]] void check_failed(const char* file, int line, const char* cond, const std::string& msg);

}  // namespace raft

#define RAFT_CHECK(cond, msg)                                  \
  do {                                                         \
    if (!(cond)) ::raft::check_failed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
