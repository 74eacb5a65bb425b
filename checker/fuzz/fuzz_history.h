#pragma once
// The body of every history fuzz target: parse the input (plain or zstd) in one format; if it parses, check it
// (bounded in time and memory) and render all three reports. Any crash, sanitizer report,
// uncaught exception or hang is a finding; errors returned as Status are the expected outcome
// for most inputs. Header-only, fuzz targets only.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checker/checker.h"
#include "checker/history.h"

namespace checker::fuzz {

// Decompressed zstd input is bounded: a small input may expand to gigabytes.
inline constexpr size_t kMaxDecompressed = size_t{1} << 20;

inline void fuzz_one(const uint8_t* data, size_t size, HistoryFormat format) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto history = parse_history_bytes(bytes, format, "fuzz", kMaxDecompressed);
  if (!history) return;
  CheckOptions opts;
  opts.threads = 1;
  opts.timeout = std::chrono::milliseconds(50);
  opts.max_memory_bytes = int64_t{1} << 30;
  opts.explain = true;
  opts.explain_budget = std::chrono::milliseconds(20);
  for (const char* model : {"", "kv", "register"}) {
    opts.model = model;
    auto result = check(*history, opts);
    if (!result) continue;  // an operation the model does not know: a clean error
    (void)format_text(*history, *result);
    (void)to_json(*history, *result).dump();
    (void)render_html(*history, *result);
  }
}

}  // namespace checker::fuzz
