#pragma once
// Writing histories compactly, and reading compressed ones (docs/history-format.md, "Compact
// histories"):
//   - JsonLinesEncoder writes the JSON-lines format; with delta on, a long string value that
//     shares a long prefix with the last long value recorded on the same key is written as
//     "prefix_of" (that event's line), "prefix_len" (bytes kept) and "suffix" instead of "value".
//     With own-key appends every read returns the previous read plus what was appended since, so
//     the file grows with the number of operations instead of its square.
//   - zstd: a history file may be one or more zstd frames (history.jsonl.zst); the readers
//     recognise the magic number whatever the file is called.
// Pure code plus libzstd; one encoder per history, used from one thread at a time.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "checker/history.h"
#include "common/status.h"

namespace checker {

// Values shorter than this are always written whole, and a prefix shorter than this is not
// referenced: a short line stays readable, and a reference would save little.
inline constexpr size_t kMinDeltaBytes = 64;

class JsonLinesEncoder {
 public:
  explicit JsonLinesEncoder(bool delta = true) : delta_(delta) {}
  // Appends `event`'s line and a '\n' to *out. Lines are numbered from 1 in call order; a string
  // (type, f, key, a string value) that is not valid UTF-8 is written with U+FFFD for each bad
  // byte (as JSON requires) and changed the same way in `event`, so what a reader gets back
  // equals the event.
  void append(HistoryEvent& event, std::string* out);
  size_t lines() const { return lines_; }

 private:
  struct Last {
    size_t line = 0;
    std::string value;
  };
  bool delta_;
  size_t lines_ = 0;
  std::unordered_map<std::string, Last> last_;  // key -> last long string value (invoke or ok)
};

// Appends `s` as a JSON string (quotes included) to *out; `s` must be valid UTF-8.
void append_json_string(std::string_view s, std::string* out);
// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD; true if changed.
bool make_valid_utf8(std::string* s);

// True if `data` starts with the zstd frame magic number (28 B5 2F FD).
bool is_zstd(std::string_view data);

// Decompresses every zstd frame of `data`. Errors name `source` and the byte offset in the
// compressed input (corrupt frame, truncated stream, bytes after the last frame that are no
// frame), or say that the output would pass `max_bytes`.
common::Result<std::string> zstd_decompress(std::string_view data, const std::string& source,
                                            size_t max_bytes = std::numeric_limits<size_t>::max());

// ZstdWriter: streaming compression into a string buffer the caller drains (single thread).
class ZstdWriter {
 public:
  explicit ZstdWriter(int level = 3);
  ~ZstdWriter();
  ZstdWriter(const ZstdWriter&) = delete;
  ZstdWriter& operator=(const ZstdWriter&) = delete;
  // Compresses `in`, appending whatever output is ready to *out.
  common::Status write(std::string_view in, std::string* out);
  // Makes everything written so far decodable from *out (a reader of a crashed run gets it).
  common::Status flush(std::string* out);
  // Ends the frame; the writer may then start a new one with write().
  common::Status end(std::string* out);

 private:
  common::Status drive(std::string_view in, int mode, std::string* out);
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace checker
