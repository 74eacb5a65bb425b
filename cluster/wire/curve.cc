#include "cluster/wire/curve.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "cluster/wire/zmq_io.h"

namespace wire {
namespace {

constexpr size_t kZ85KeyChars = 40;

bool valid_z85_key(const std::string& k) {
  if (k.size() != kZ85KeyChars) return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, k.c_str()) != nullptr;
}

common::Status write_text(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return common::Status::io_error(path + ": cannot write");
  if (::chmod(path.c_str(), mode) != 0) return common::Status::io_error(path + ": cannot chmod");
  return common::Status::ok();
}

}  // namespace

common::Result<CurveKeyPair> generate_curve_key_pair() {
  char pub[kZ85KeyChars + 1], sec[kZ85KeyChars + 1];
  if (zmq_curve_keypair(pub, sec) != 0)
    return common::Status::unavailable("zmq_curve_keypair: " + std::string(zmq_strerror(errno)));
  return CurveKeyPair{pub, sec};
}

common::Status write_curve_key_files(const std::string& dir, const std::string& name,
                                     const CurveKeyPair& keys) {
  const std::string pub = "public " + keys.public_key + "\n";
  if (auto s =
          write_text(dir + "/" + name + ".key", pub + "secret " + keys.secret_key + "\n", 0600);
      !s)
    return s;
  return write_text(dir + "/" + name + ".pub", pub, 0644);
}

common::Status generate_cluster_curve_keys(const std::string& dir,
                                           const std::vector<uint64_t>& node_ids) {
  std::vector<std::string> names{"client"};
  for (uint64_t id : node_ids) names.push_back(std::string("n").append(std::to_string(id)));
  for (const std::string& name : names) {
    auto keys = generate_curve_key_pair();
    if (!keys) return keys.status();
    if (auto s = write_curve_key_files(dir, name, keys.value()); !s) return s;
  }
  return common::Status::ok();
}

common::Result<CurveKeyPair> load_curve_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::Status::not_found(path + ": cannot open key file");
  CurveKeyPair keys;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    const std::string field = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    std::string* into = field == "public"   ? &keys.public_key
                        : field == "secret" ? &keys.secret_key
                                            : nullptr;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    if (!into) return common::Status::invalid_argument(where + "expected 'public' or 'secret'");
    if (!valid_z85_key(value))
      return common::Status::invalid_argument(where + field + ": not a 40-character Z85 key");
    *into = value;
  }
  if (keys.public_key.empty())
    return common::Status::invalid_argument(path + ": no 'public' key line");
  const bool want_secret = path.size() > 4 && path.compare(path.size() - 4, 4, ".key") == 0;
  if (want_secret && keys.secret_key.empty())
    return common::Status::invalid_argument(path + ": no 'secret' key line");
  return keys;
}

common::Result<CurveKeys> load_curve_keys(const std::string& dir, const std::string& own_name,
                                          const std::vector<uint64_t>& node_ids) {
  CurveKeys keys;
  auto own = load_curve_key_file(dir + "/" + own_name + ".key");
  if (!own) return own.status();
  keys.own = own.value();
  for (uint64_t id : node_ids) {
    auto pub = load_curve_key_file(dir + "/n" + std::to_string(id) + ".pub");
    if (!pub) return pub.status();
    keys.node_public[id] = pub.value().public_key;
  }
  auto client = load_curve_key_file(dir + "/client.pub");
  if (!client) return client.status();
  keys.client_public = client.value().public_key;
  return keys;
}

void apply_curve_server(zmq::socket_t& socket, const CurveKeyPair& own) {
  socket.set(zmq::sockopt::zap_domain, "faultline");
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
}

void apply_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                        const std::string& server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

std::map<std::string, std::string> CurveAuthenticator::cluster_members(const CurveKeys& keys) {
  std::map<std::string, std::string> out;
  for (const auto& [id, key] : keys.node_public)
    out[key] = std::string("n").append(std::to_string(id));
  out[keys.client_public] = "client";
  return out;
}

CurveAuthenticator::CurveAuthenticator(zmq::context_t& context,
                                       std::map<std::string, std::string> allowed)
    : socket_(context, zmq::socket_type::rep), allowed_(std::move(allowed)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
}

int CurveAuthenticator::handle_pending() {
  int refused = 0;
  std::vector<std::string> req;
  while (recv_multipart(socket_, &req)) {
    // RFC 27: version, request id, domain, address, identity, mechanism, credentials...
    std::string version = req.size() > 0 ? req[0] : "";
    std::string request_id = req.size() > 1 ? req[1] : "";
    std::string user;
    if (version == "1.0" && req.size() >= 7 && req[5] == "CURVE" && req[6].size() == 32) {
      char z85[kZ85KeyChars + 1];
      if (zmq_z85_encode(z85, reinterpret_cast<const uint8_t*>(req[6].data()), 32))
        if (auto it = allowed_.find(z85); it != allowed_.end()) user = it->second;
    }
    const bool ok = !user.empty();
    if (ok) {
      ++admitted_;
    } else {
      ++refused_;
      ++refused;
    }
    send_multipart(socket_, {"1.0", request_id, ok ? "200" : "400",
                             ok ? "OK" : "not a member of this cluster", user, ""});
  }
  return refused;
}

}  // namespace wire
