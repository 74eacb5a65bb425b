// HistoryWriter: lines stay whole and in time order when events arrive out of order.
#include "harness/record/history_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
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

}  // namespace
}  // namespace harness
