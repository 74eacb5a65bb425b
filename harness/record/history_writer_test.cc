// HistoryWriter: lines stay whole and in time order when events arrive out of order.
#include "harness/record/history_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "checker/history.h"

namespace harness {
namespace {

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "-" + std::to_string(getpid()) + ".jsonl"))
      .string();
}

TEST(HistoryWriter, AnEventOlderThanTheLastWrittenTakesItsTime) {
  const std::string path = temp_path("history-writer-order");
  HistoryWriter w;
  ASSERT_TRUE(w.open(path).is_ok());
  w.record(1, "invoke", "append", "k", "x 1 0 y", 2000);
  w.record(2, "invoke", "get", "k", nullptr, 1500);  // this thread read the clock first
  w.record(1, "ok", "append", "k", "x 1 0 y", 3000);
  w.record(2, "ok", "get", "k", "x 1 0 y", 3500);
  w.close();

  auto h = checker::parse_history_file(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(h.is_ok()) << h.status().message();
  ASSERT_EQ(h->ops.size(), 2u);
  EXPECT_EQ(h->ops[0].call_time, 2000);
  EXPECT_EQ(h->ops[1].call_time, 2000) << "moved later, to the last time written";
  EXPECT_EQ(h->ops[1].return_time, 3500);
  EXPECT_EQ(w.completed_ok(), 2u);
}

// The history handed over in memory is what `faultline check` reads back from the file, in every
// configuration of the writer, with clients on several threads (as in the process mode).
TEST(HistoryWriter, TheHistoryInMemoryIsTheOneTheFileHolds) {
  for (bool delta : {false, true}) {
    for (bool zstd : {false, true}) {
      const std::string path = temp_path("history-writer-memory");
      HistoryWriter w;
      ASSERT_TRUE(w.open(path, {.delta = delta, .zstd = zstd}).is_ok());
      std::vector<std::thread> clients;
      for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&w, c] {
          std::string value;
          const std::string key = std::to_string(c % 2);
          for (int i = 0; i < 300; ++i) {
            const int64_t t = 1'000'000 * i;
            const std::string item = "x " + std::to_string(c) + " " + std::to_string(i) + " y";
            w.record(c, "invoke", "append", key, item, t);
            w.record(c, "ok", "append", key, item, t + 10);
            value += item;
            w.record(c, "invoke", "get", key, nullptr, t + 20);
            w.record(c, i % 10 == 9 ? "info" : "ok", "get", key, value, t + 30);
          }
        });
      }
      for (auto& t : clients) t.join();
      w.close();
      ASSERT_TRUE(w.status().is_ok());
      auto kept = w.take_history();
      auto read = checker::parse_history_file(path);
      std::filesystem::remove(path);
      ASSERT_TRUE(kept.is_ok()) << kept.status().message();
      ASSERT_TRUE(read.is_ok()) << read.status().message();
      ASSERT_EQ(kept->ops.size(), read->ops.size());
      EXPECT_EQ(kept->ops.size(), 2400u);
      EXPECT_EQ(kept->times_in_ns, read->times_in_ns);
      EXPECT_EQ(kept->model_hint, read->model_hint);
      for (size_t i = 0; i < kept->ops.size(); ++i) {
        const auto &a = kept->ops[i], &b = read->ops[i];
        ASSERT_EQ(a.process, b.process) << i;
        ASSERT_EQ(a.input, b.input) << i;
        ASSERT_EQ(a.output, b.output) << i;
        ASSERT_EQ(a.status, b.status) << i;
        ASSERT_EQ(a.call_time, b.call_time) << i;
        ASSERT_EQ(a.return_time, b.return_time) << i;
        ASSERT_EQ(a.call_line, b.call_line) << i;
        ASSERT_EQ(a.return_line, b.return_line) << i;
      }
    }
  }
}

}  // namespace
}  // namespace harness
