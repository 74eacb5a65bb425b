// libFuzzer target: compact and zstd-compressed histories (history_codec.h) through the byte
// reader (zstd detection, decompression bounded to 1 MiB, "prefix_of" references), then the
// check and reports (fuzz_history.h).
#include "checker/fuzz/fuzz_history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  checker::fuzz::fuzz_one(data, size, checker::HistoryFormat::kAuto);
  return 0;
}
