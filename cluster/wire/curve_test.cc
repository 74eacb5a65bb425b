// CURVE authentication helpers (issue 14 item 5): key files, and a CURVE server behind the ZAP
// handler admits exactly the allowed client keys. Each refusal test sends the refused message
// first and an admitted one after it, waits (bounded) for the admitted one, then checks the refused
// one never arrived: no timing decides the verdict.
#include "cluster/wire/curve.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cluster/wire/zmq_io.h"

namespace wire {
namespace {

std::string temp_dir() {
  std::string d =
      std::filesystem::temp_directory_path() / ("curve-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

TEST(Curve, KeyFilesRoundTripAndBadOnesNameFileAndLine) {
  const std::string dir = temp_dir();
  auto keys = generate_curve_key_pair();
  ASSERT_TRUE(keys.is_ok());
  ASSERT_TRUE(write_curve_key_files(dir, "n1", keys.value()).is_ok());
  auto back = load_curve_key_file(dir + "/n1.key");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->public_key, keys->public_key);
  EXPECT_EQ(back->secret_key, keys->secret_key);
  auto pub = load_curve_key_file(dir + "/n1.pub");
  ASSERT_TRUE(pub.is_ok());
  EXPECT_TRUE(pub->secret_key.empty());
  EXPECT_EQ(
      std::filesystem::status(dir + "/n1.key").permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
  std::ofstream(dir + "/bad.key") << "public " << keys->public_key << "\nsecret short\n";
  auto bad = load_curve_key_file(dir + "/bad.key");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("bad.key:2: secret: not a 40-character Z85 key"),
            std::string::npos)
      << bad.status().message();
  std::ofstream(dir + "/half.key") << "public " << keys->public_key << "\n";
  EXPECT_NE(load_curve_key_file(dir + "/half.key").status().message().find("no 'secret'"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Curve, ClusterKeysLoadForEveryMember) {
  const std::string dir = temp_dir();
  ASSERT_TRUE(generate_cluster_curve_keys(dir, {1, 2, 3}).is_ok());
  auto keys = load_curve_keys(dir, "n2", {1, 2, 3});
  ASSERT_TRUE(keys.is_ok()) << keys.status().to_string();
  EXPECT_EQ(keys->node_public.size(), 3u);
  EXPECT_EQ(keys->node_public.at(2), keys->own.public_key);
  auto members = CurveAuthenticator::cluster_members(keys.value());
  EXPECT_EQ(members.at(keys->node_public.at(3)), "n3");
  EXPECT_EQ(members.at(keys->client_public), "client");
  std::filesystem::remove(dir + "/n3.pub");
  EXPECT_NE(load_curve_keys(dir, "client", {1, 2, 3}).status().message().find("n3.pub"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

struct Server {
  zmq::context_t ctx;
  CurveKeyPair server_keys = generate_curve_key_pair().value();
  CurveKeyPair client_keys = generate_curve_key_pair().value();
  CurveKeyPair node2_keys = generate_curve_key_pair().value();
  CurveAuthenticator auth{ctx, {{client_keys.public_key, "client"}, {node2_keys.public_key, "n2"}}};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  std::string endpoint;
  Server() {
    router.set(zmq::sockopt::linger, 0);
    apply_curve_server(router, server_keys);
    router.bind("tcp://127.0.0.1:*");
    endpoint = router.get(zmq::sockopt::last_endpoint);
  }
  zmq::socket_t dealer(const CurveKeyPair* keys) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    if (keys) apply_curve_client(d, *keys, server_keys.public_key);
    d.connect(endpoint);
    return d;
  }
  // Polls the authenticator and the router until `want` arrives (bounded); returns the payloads.
  std::map<std::string, std::string> user_of;  // payload -> the connection's user id
  std::vector<std::string> receive_until(const std::string& want) {
    std::vector<std::string> got, parts;
    std::string user;
    for (int i = 0; i < 200; ++i) {
      zmq::pollitem_t items[] = {{auth.socket().handle(), 0, ZMQ_POLLIN, 0},
                                 {router.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds(50));
      auth.handle_pending();
      while (recv_multipart(router, &parts, &user)) {
        got.push_back(parts.back());
        user_of[parts.back()] = user;
      }
      for (const auto& g : got)
        if (g == want) return got;
    }
    return got;
  }
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Curve, AnAllowedClientKeyIsAdmitted) {
  Server s;
  zmq::socket_t good = s.dealer(&s.client_keys);
  ASSERT_TRUE(send_multipart(good, {"hello"}));
  EXPECT_TRUE(contains(s.receive_until("hello"), "hello"));
  EXPECT_GE(s.auth.admitted(), 1u);
}

TEST(Curve, EachMessageCarriesTheUserIdOfItsConnection) {
  Server s;
  zmq::socket_t node2 = s.dealer(&s.node2_keys);
  zmq::socket_t client = s.dealer(&s.client_keys);
  ASSERT_TRUE(send_multipart(node2, {"from-n2"}));
  ASSERT_TRUE(send_multipart(client, {"from-client"}));
  s.receive_until("from-n2");
  s.receive_until("from-client");
  EXPECT_EQ(s.user_of["from-n2"], "n2");
  EXPECT_EQ(s.user_of["from-client"], "client");
}

TEST(Curve, AnUnknownClientKeyIsRefused) {
  Server s;
  CurveKeyPair stranger = generate_curve_key_pair().value();
  zmq::socket_t bad = s.dealer(&stranger);
  ASSERT_TRUE(send_multipart(bad, {"forged"}));
  // The refusal is counted before the admitted client is even connected.
  for (int i = 0; i < 200 && s.auth.refused() == 0; ++i) {
    zmq::pollitem_t item{s.auth.socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    s.auth.handle_pending();
  }
  EXPECT_GE(s.auth.refused(), 1u);
  zmq::socket_t good = s.dealer(&s.client_keys);
  ASSERT_TRUE(send_multipart(good, {"hello"}));
  auto got = s.receive_until("hello");
  EXPECT_TRUE(contains(got, "hello"));
  EXPECT_FALSE(contains(got, "forged"));
}

TEST(Curve, APlainTextClientIsRefused) {
  Server s;
  zmq::socket_t plain = s.dealer(nullptr);
  ASSERT_TRUE(send_multipart(plain, {"plain"}));
  zmq::socket_t good = s.dealer(&s.client_keys);
  ASSERT_TRUE(send_multipart(good, {"hello"}));
  auto got = s.receive_until("hello");
  EXPECT_TRUE(contains(got, "hello"));
  EXPECT_FALSE(contains(got, "plain"));
}

}  // namespace
}  // namespace wire
