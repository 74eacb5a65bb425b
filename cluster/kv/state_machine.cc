#include "cluster/kv/state_machine.h"

#include <utility>

#include "common/binary.h"
#include "common/crc32c.h"

namespace kv {

namespace {
constexpr uint8_t kImageVersion = 1;

common::Status image_error(size_t offset, std::string_view what) {
  return common::Status::corruption("kv snapshot image: byte offset " + std::to_string(offset) +
                                    ": " + std::string(what));
}
}  // namespace

common::Result<ApplyResult> KvStateMachine::apply(std::string_view command_bytes) {
  common::Result<Command> command = decode_command(command_bytes);
  if (!command) return command.status();
  return apply(command.value());
}

ApplyResult KvStateMachine::apply(const Command& c) {
  ApplyResult out;
  out.op = c.op;
  out.client_id = c.client_id;
  out.seq = c.seq;
  if (c.op == Op::kGet) {
    out.value = get(c.key);
    return out;
  }
  if (dedup_) {
    auto it = clients_.find(c.client_id);
    if (it != clients_.end() && c.seq <= it->second.seq) {
      out.duplicate = true;
      out.value = it->second.result;
      return out;
    }
  }
  if (c.op == Op::kPut) {
    data_[c.key] = c.value;
  } else {
    data_[c.key].append(c.value);
  }
  // Put and Append return nothing to the client (kvraft-lab); the record keeps that empty result so
  // a duplicate answers exactly what the original did.
  if (dedup_) clients_[c.client_id] = ClientRecord{c.seq, out.value};
  return out;
}

std::string KvStateMachine::get(const std::string& key) const { return std::string(get_view(key)); }

std::string_view KvStateMachine::get_view(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? std::string_view() : std::string_view(it->second);
}

// Image: u8 version | varint n_keys | n x (bytes key, bytes value) in key order
//        | varint n_clients | n x (u64 client_id, u64 seq, bytes result) in id order.
std::string KvStateMachine::serialize() const {
  std::string out;
  common::BinaryWriter w(&out);
  w.u8(kImageVersion);
  w.varint(data_.size());
  for (const auto& [key, value] : data_) {
    w.bytes(key);
    w.bytes(value);
  }
  w.varint(clients_.size());
  for (const auto& [id, record] : clients_) {
    w.u64(id);
    w.u64(record.seq);
    w.bytes(record.result);
  }
  return out;
}

common::Status KvStateMachine::restore(std::string_view image) {
  common::BinaryReader r(image);
  uint8_t version = 0;
  if (!r.u8(&version)) return image_error(0, "empty image");
  if (version != kImageVersion) {
    return image_error(0, "unsupported image version " + std::to_string(version));
  }
  std::map<std::string, std::string> data;
  std::map<uint64_t, ClientRecord> clients;
  uint64_t n = 0;
  if (!r.varint(&n)) return image_error(r.offset(), "truncated key count");
  for (uint64_t i = 0; i < n; ++i) {
    size_t at = r.offset();
    std::string key, value;
    if (!r.bytes(&key) || !r.bytes(&value)) return image_error(at, "truncated key/value pair");
    if (!data.empty() && !(data.rbegin()->first < key)) {
      return image_error(at, "keys not in strictly increasing order");
    }
    data.emplace_hint(data.end(), std::move(key), std::move(value));
  }
  if (!r.varint(&n)) return image_error(r.offset(), "truncated client count");
  for (uint64_t i = 0; i < n; ++i) {
    size_t at = r.offset();
    uint64_t id = 0;
    ClientRecord record;
    if (!r.u64(&id) || !r.u64(&record.seq) || !r.bytes(&record.result)) {
      return image_error(at, "truncated client record");
    }
    if (!clients.empty() && !(clients.rbegin()->first < id)) {
      return image_error(at, "client ids not in strictly increasing order");
    }
    clients.emplace_hint(clients.end(), id, std::move(record));
  }
  if (!r.at_end()) return image_error(r.offset(), "trailing bytes");
  data_ = std::move(data);
  clients_ = std::move(clients);
  return common::Status::ok();
}

uint32_t KvStateMachine::digest() const { return common::crc32c(serialize()); }

}  // namespace kv
