#pragma once
// Binary encoding of raft::Message for the [payload] frame of a kRaft wire message
// (layout in docs/protocol.md). Decoding rejects garbage with the byte offset of the first bad
// field and never reads past the input. Plain functions: any thread.
#include <string>
#include <string_view>

#include "cluster/raft/types.h"
#include "common/status.h"

namespace wire {

std::string encode_raft_message(const raft::Message& m);
common::Result<raft::Message> decode_raft_message(std::string_view payload);

// Same layout for one entry; exposed for tests and for tools.
void encode_entry(const raft::Entry& e, std::string* out);

}  // namespace wire
