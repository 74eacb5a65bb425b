#pragma once
// Optional cluster authentication with ZeroMQ CURVE (issue 14 item 5; `security: curve` in the
// cluster file, docs/protocol.md "Security"). Every member and every client has a key pair; a
// node's ROUTER is a CURVE server that admits only the public keys of the cluster (its members
// and the client key), checked by a ZAP handler (CurveAuthenticator) the node's loop polls;
// DEALERs are CURVE clients that know the server key of the node they connect to.
//
// Key files (written by write_curve_key_files, read by load_curve_*): one `NAME.key` holding
//   public <40 Z85 characters>
//   secret <40 Z85 characters>
// (mode 0600), and `NAME.pub` holding only the public line. Names: `n<id>` for node id, `client`
// for kvctl and the Clerks. Plain functions and one single-threaded class.
#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/status.h"

namespace wire {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty for a public-only file
};

// A fresh random key pair (libsodium through libzmq).
common::Result<CurveKeyPair> generate_curve_key_pair();
// Writes DIR/NAME.key (both keys, mode 0600) and DIR/NAME.pub (the public key).
common::Status write_curve_key_files(const std::string& dir, const std::string& name,
                                     const CurveKeyPair& keys);
// A key pair per node id (n<id>.key/.pub) and one for the clients (client.key/.pub) in `dir`
// (which must exist): what the harness does per run when a scenario asks for `security: curve`.
common::Status generate_cluster_curve_keys(const std::string& dir,
                                           const std::vector<uint64_t>& node_ids);
// Reads a key file; errors name the file, the line and what is wrong. A .key file must hold both
// keys, a .pub file the public one.
common::Result<CurveKeyPair> load_curve_key_file(const std::string& path);

// The keys one process needs, from the cluster's key directory: its own pair (`own_name`.key)
// and the public key of every node (n<id>.pub) and of the clients (client.pub).
struct CurveKeys {
  CurveKeyPair own;
  std::map<uint64_t, std::string> node_public;  // node id -> its public key
  std::string client_public;
};
common::Result<CurveKeys> load_curve_keys(const std::string& dir, const std::string& own_name,
                                          const std::vector<uint64_t>& node_ids);

// Socket options; call before bind/connect.
void apply_curve_server(zmq::socket_t& socket, const CurveKeyPair& own);
void apply_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                        const std::string& server_public_key);

// A ZAP handler (RFC 27) for one context: admits a CURVE client whose public key is in `allowed`,
// refuses every other (and every non-CURVE) connection, and counts the refusals. The user id it
// answers for a key (e.g. "n2" for node 2's key, "client") becomes the "User-Id" property of every
// message from that connection (recv_multipart with a user id): the node checks that a Raft
// message naming `from` = 2 came from the connection of n2. Binds
// inproc://zeromq.zap.01 in `context`, so at most one per context, created before any CURVE
// server socket binds. The owning loop polls socket() for POLLIN and calls handle_pending().
// One thread (the loop's).
class CurveAuthenticator {
 public:
  // allowed: Z85 public key -> user id.
  CurveAuthenticator(zmq::context_t& context, std::map<std::string, std::string> allowed);
  // The map for a cluster: n<id> for each node's key, "client" for the client key.
  static std::map<std::string, std::string> cluster_members(const CurveKeys& keys);
  zmq::socket_t& socket() { return socket_; }
  // Answers every request waiting; returns how many were refused.
  int handle_pending();
  uint64_t refused() const { return refused_; }
  uint64_t admitted() const { return admitted_; }

 private:
  zmq::socket_t socket_;
  std::map<std::string, std::string> allowed_;  // Z85 public key -> user id
  uint64_t refused_ = 0;
  uint64_t admitted_ = 0;
};

}  // namespace wire
