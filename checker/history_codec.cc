// JsonLinesEncoder, zstd reading and writing (history_codec.h).
#include "checker/history_codec.h"

#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace checker {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 character at s[i], or 0 if none starts there.
size_t utf8_char_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0, min = 0;
  if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (i + n >= s.size()) return 0;
  for (size_t k = 1; k <= n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n + 1;
}

// Bytes at the start of a and b that agree, backed off to a character start of b.
size_t common_prefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t m = 0;
  // Usually b extends a: one memcmp of the whole. Else blocks, then bytes.
  if (std::memcmp(a.data(), b.data(), n) == 0) {
    m = n;
  } else {
    constexpr size_t kBlock = 4096;
    while (m + kBlock <= n && std::memcmp(a.data() + m, b.data() + m, kBlock) == 0) m += kBlock;
    while (m < n && a[m] == b[m]) ++m;
  }
  while (m > 0 && m < b.size() && continuation(b[m])) --m;
  return m;
}

void append_int(int64_t v, std::string* out) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // no locale, no format parsing
  out->append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

bool make_valid_utf8(std::string* s) {
  size_t i = 0;
  // ASCII, eight bytes at a time, until the first byte that is not.
  while (i + 8 <= s->size()) {
    uint64_t word;
    std::memcpy(&word, s->data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  bool changed = false;
  std::string fixed;
  while (i < s->size()) {
    const size_t n = utf8_char_len(*s, i);
    if (n == 0) {
      if (!changed) fixed.assign(*s, 0, i);
      changed = true;
      fixed += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (changed) fixed.append(*s, i, n);
    i += n;
  }
  if (changed) *s = std::move(fixed);
  return changed;
}

void append_json_string(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out->append(buf);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void JsonLinesEncoder::append(HistoryEvent& event, std::string* out) {
  ++lines_;
  make_valid_utf8(&event.type);
  make_valid_utf8(&event.f);
  make_valid_utf8(&event.key);
  out->append("{\"process\":");
  append_int(event.process, out);
  out->append(",\"type\":");
  append_json_string(event.type, out);
  out->append(",\"f\":");
  append_json_string(event.f, out);
  if (!event.key.empty()) {
    out->append(",\"key\":");
    append_json_string(event.key, out);
  }
  if (event.value.is_string()) {
    std::string& v = event.value.get_ref<std::string&>();
    make_valid_utf8(&v);
    bool written = false;
    // Only an invoke's or an ok completion's value can be referred to (a reader keeps those).
    const bool base = event.type == "invoke" || event.type == "ok";
    if (delta_ && v.size() >= kMinDeltaBytes) {
      auto it = last_.find(event.key);
      if (it != last_.end()) {
        const size_t keep = common_prefix(it->second.value, v);
        if (keep >= kMinDeltaBytes) {
          out->append(",\"prefix_of\":");
          append_int(static_cast<int64_t>(it->second.line), out);
          out->append(",\"prefix_len\":");
          append_int(static_cast<int64_t>(keep), out);
          out->append(",\"suffix\":");
          append_json_string(std::string_view(v).substr(keep), out);
          written = true;
        }
      }
      if (base) {
        Last& last = last_[event.key];
        last.line = lines_;
        last.value.assign(v);
      }
    }
    if (!written) {
      out->append(",\"value\":");
      append_json_string(v, out);
    }
  } else {
    out->append(",\"value\":");
    out->append(event.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  out->append(",\"time\":");
  append_int(event.time, out);
  out->append("}\n");
}

bool is_zstd(std::string_view data) {
  return data.size() >= 4 && static_cast<unsigned char>(data[0]) == 0x28 &&
         static_cast<unsigned char>(data[1]) == 0xB5 && static_cast<unsigned char>(data[2]) == 0x2F &&
         static_cast<unsigned char>(data[3]) == 0xFD;
}

common::Result<std::string> zstd_decompress(std::string_view data, const std::string& source,
                                            size_t max_bytes) {
  struct Free {
    void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
  };
  std::unique_ptr<ZSTD_DStream, Free> ds(ZSTD_createDStream());
  if (!ds) return common::Status::io_error(source + ": cannot allocate a zstd decoder");
  std::string out;
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t frame_start = 0;  // offset of the frame being decoded
  size_t pending = 0;      // what the last call said is still to come in the frame (0: frame done)
  auto error = [&](const std::string& what) {
    const size_t lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    return common::Status::invalid_argument(source + ": byte " + std::to_string(in.pos) +
                                            " of the compressed file (zstd frame from byte " +
                                            std::to_string(frame_start) + "): " + what +
                                            " (after " + std::to_string(lines) +
                                            " complete decompressed lines)");
  };
  while (in.pos < in.size) {
    if (pending == 0) {
      frame_start = in.pos;
      if (!is_zstd(data.substr(in.pos)) &&
          !(in.size - in.pos >= 4 && (static_cast<unsigned char>(data[in.pos]) & 0xF0) == 0x50 &&
            static_cast<unsigned char>(data[in.pos + 1]) == 0x2A &&
            static_cast<unsigned char>(data[in.pos + 2]) == 0x4D &&
            static_cast<unsigned char>(data[in.pos + 3]) == 0x18))
        return error("not a zstd frame (corrupt, or bytes after the last frame)");
    }
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    const size_t before = in.pos;
    pending = ZSTD_decompressStream(ds.get(), &o, &in);
    if (ZSTD_isError(pending)) return error(std::string("corrupt zstd data: ") + ZSTD_getErrorName(pending));
    if (o.pos > max_bytes - std::min(max_bytes, out.size()))
      return error("decompressed history larger than " + std::to_string(max_bytes) + " bytes");
    out.append(chunk.data(), o.pos);
    if (pending != 0 && in.pos == before && o.pos == 0) return error("the zstd decoder made no progress");
  }
  // Drain what the decoder still holds (its output buffer may have filled up).
  while (pending != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    pending = ZSTD_decompressStream(ds.get(), &o, &in);
    if (ZSTD_isError(pending)) return error(std::string("corrupt zstd data: ") + ZSTD_getErrorName(pending));
    if (o.pos > max_bytes - std::min(max_bytes, out.size()))
      return error("decompressed history larger than " + std::to_string(max_bytes) + " bytes");
    out.append(chunk.data(), o.pos);
    if (o.pos == 0) break;
  }
  if (pending != 0) return error("truncated: the file ends inside a zstd frame");
  return out;
}

struct ZstdWriter::Ctx {
  ZSTD_CCtx* cctx = nullptr;
  std::string chunk;
  ~Ctx() { ZSTD_freeCCtx(cctx); }
};

ZstdWriter::ZstdWriter(int level) : ctx_(std::make_unique<Ctx>()) {
  ctx_->cctx = ZSTD_createCCtx();
  if (ctx_->cctx != nullptr) {
    ZSTD_CCtx_setParameter(ctx_->cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(ctx_->cctx, ZSTD_c_checksumFlag, 1);
  }
  ctx_->chunk.resize(ZSTD_CStreamOutSize());
}

ZstdWriter::~ZstdWriter() = default;

common::Status ZstdWriter::drive(std::string_view data, int mode, std::string* out) {
  if (ctx_->cctx == nullptr) return common::Status::io_error("cannot allocate a zstd encoder");
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  const auto directive = static_cast<ZSTD_EndDirective>(mode);
  while (true) {
    ZSTD_outBuffer o{ctx_->chunk.data(), ctx_->chunk.size(), 0};
    const size_t left = ZSTD_compressStream2(ctx_->cctx, &o, &in, directive);
    if (ZSTD_isError(left)) return common::Status::io_error(std::string("zstd: ") + ZSTD_getErrorName(left));
    out->append(ctx_->chunk.data(), o.pos);
    const bool done = directive == ZSTD_e_continue ? in.pos == in.size : left == 0;
    if (done) return common::Status::ok();
  }
}

common::Status ZstdWriter::write(std::string_view in, std::string* out) {
  return drive(in, ZSTD_e_continue, out);
}
common::Status ZstdWriter::flush(std::string* out) { return drive({}, ZSTD_e_flush, out); }
common::Status ZstdWriter::end(std::string* out) { return drive({}, ZSTD_e_end, out); }

}  // namespace checker
