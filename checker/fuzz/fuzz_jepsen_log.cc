// libFuzzer target: the jepsen log history parser, then the check and reports (fuzz_history.h).
#include "checker/fuzz/fuzz_history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  checker::fuzz::fuzz_one(data, size, checker::HistoryFormat::kJepsenLog);
  return 0;
}
