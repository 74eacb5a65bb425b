// The fuzz targets' seed corpus (checker/fuzz/corpus, which keeps every input a fuzzer found) run
// through the same body as the fuzz targets in the normal build: parse, check under each model,
// render the reports. Each input must either be refused with an error or go through without a
// crash or an exception.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checker/fuzz/fuzz_history.h"

namespace checker {
namespace {

TEST(FuzzCorpus, EverySeedParsesOrIsRefusedCleanly) {
  namespace fs = std::filesystem;
  size_t inputs = 0;
  for (const auto& [dir, format] : {std::pair{"json", HistoryFormat::kJson},
                                    {"edn", HistoryFormat::kKvEdn},
                                    {"jepsen", HistoryFormat::kJepsenLog},
                                    {"compact", HistoryFormat::kJson}}) {
    for (const auto& entry : fs::directory_iterator(fs::path(FL_FUZZ_CORPUS) / dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      const std::string text = buf.str();
      const auto* data = reinterpret_cast<const uint8_t*>(text.data());
      for (const HistoryFormat f : {format, HistoryFormat::kAuto}) {
        EXPECT_NO_THROW(fuzz::fuzz_one(data, text.size(), f)) << entry.path();
      }
      ++inputs;
    }
  }
  EXPECT_GE(inputs, 13u) << "the seed corpus is where it should be";
}

}  // namespace
}  // namespace checker
