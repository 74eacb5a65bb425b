// Parsers for the three history formats (docs/history-format.md) and format auto-detection.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "checker/history.h"
#include "checker/history_builder.h"
#include "checker/history_codec.h"

namespace checker {
namespace {

using common::Result;
using common::Status;

class LineError {
 public:
  LineError(const std::string& source, size_t line) : source_(source), line_(line) {}
  Status operator()(const std::string& what) const {
    return Status::invalid_argument(source_ + ":" + std::to_string(line_) + ": " + what);
  }

 private:
  const std::string& source_;
  size_t line_;
};

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Result<EventType> event_type(std::string_view name, const LineError& err) {
  if (name == "invoke") return EventType::kInvoke;
  if (name == "ok") return EventType::kOk;
  if (name == "fail") return EventType::kFail;
  if (name == "info") return EventType::kInfo;
  return err("field 'type': unknown event type '" + std::string(name) +
             "' (expected invoke, ok, fail or info)");
}

// Values nested deeper than this are an error in every format: readers and the json library's
// copies recurse, and a line of 200,000 '[' must be an error, not a stack overflow.
constexpr int kMaxDepth = 256;

// ---- JSON lines -------------------------------------------------------------------------------

// The column (1-based) where `text` first opens a bracket deeper than kMaxDepth, ignoring
// brackets inside strings; 0 if it never does. Run before parsing, so nothing deep is built.
size_t json_too_deep_at(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return i + 1;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return 0;
}

// True if `v` holds an integer above INT64_MAX anywhere (the json library keeps those as
// unsigned; read as int64_t they would wrap to negative numbers). Depth is capped before parsing.
bool has_unsigned_past_int64(const nlohmann::json& v) {
  if (v.is_number_unsigned())
    return v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (v.is_structured()) {
    for (const auto& item : v) {
      if (has_unsigned_past_int64(item)) return true;
    }
  }
  return false;
}


// A value written as a reference (docs/history-format.md, "Compact histories"): the first `len`
// bytes of the value on line `of` (same key), then `suffix`.
struct ValueRef {
  size_t of = 0;
  size_t len = 0;
  std::string suffix;
};

Result<RawEvent> parse_json_line(std::string_view text, size_t line, const LineError& err,
                                 bool* has_time, std::optional<ValueRef>* ref) {
  if (const size_t col = json_too_deep_at(text); col != 0)
    return err("values nested deeper than " + std::to_string(kMaxDepth) + " at column " +
               std::to_string(col));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return err("not a valid JSON object (truncated line?)");
  if (!j.is_object()) return err("expected a JSON object");
  for (const auto& [name, field] : j.items()) {
    if (has_unsigned_past_int64(field))
      return err("field '" + name + "': integer outside the signed 64-bit range");
  }
  RawEvent e;
  e.line = line;
  auto proc = j.find("process");
  if (proc != j.end() && *proc == "nemesis") {
    e.non_client = true;
    return e;
  }
  if (proc == j.end() || !proc->is_number_integer())
    return err("field 'process': missing, or neither an integer (a client) nor \"nemesis\"");
  e.process = proc->get<int64_t>();
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return err("field 'type': missing or not a string");
  auto et = event_type(type->get<std::string>(), err);
  if (!et) return et.status();
  e.type = *et;
  auto f = j.find("f");
  if (f == j.end() || !f->is_string()) return err("field 'f': missing or not a string");
  e.f = f->get<std::string>();
  if (auto k = j.find("key"); k != j.end()) {
    if (k->is_string()) {
      e.key = k->get<std::string>();
    } else if (k->is_number_integer()) {
      e.key = std::to_string(k->get<int64_t>());
    } else if (!k->is_null()) {
      return err("field 'key': expected a string");
    }
  }
  if (auto v = j.find("value"); v != j.end()) e.value = std::move(*v);
  ref->reset();
  if (auto of = j.find("prefix_of"); of != j.end()) {
    if (j.contains("value")) return err("fields 'value' and 'prefix_of': only one may be given");
    if (!of->is_number_integer() || of->get<int64_t>() < 1 || of->get<int64_t>() >= static_cast<int64_t>(line))
      return err("field 'prefix_of': expected the number of an earlier line");
    auto len = j.find("prefix_len");
    if (len == j.end() || !len->is_number_integer() || len->get<int64_t>() < 0)
      return err("field 'prefix_len': missing or not a byte count");
    auto suffix = j.find("suffix");
    if (suffix == j.end() || !suffix->is_string()) return err("field 'suffix': missing or not a string");
    *ref = ValueRef{static_cast<size_t>(of->get<int64_t>()), static_cast<size_t>(len->get<int64_t>()),
                    suffix->get<std::string>()};
  } else if (j.contains("prefix_len") || j.contains("suffix")) {
    return err("fields 'prefix_len' and 'suffix' need 'prefix_of'");
  }
  auto t = j.find("time");
  *has_time = t != j.end();
  if (*has_time) {
    if (!t->is_number_integer()) return err("field 'time': expected integer nanoseconds");
    e.time = t->get<int64_t>();
  } else {
    e.time = static_cast<int64_t>(line);
  }
  return e;
}

// The offset of the first byte of `s` that is not part of well-formed UTF-8, or npos. The JSON
// reader checks this itself; the EDN and log readers call it, so that every string a history
// yields can be written back out (the json library throws on invalid UTF-8 when dumping).
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; min = 0x10000; }
    else return i;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

// `part` is a view into `line`.
Status utf8_error(std::string_view line, std::string_view part, const LineError& err) {
  if (const size_t at = invalid_utf8_at(part); at != std::string_view::npos)
    return err("invalid UTF-8 at column " + std::to_string(part.data() - line.data() + at + 1));
  return Status::ok();
}

// ---- Jepsen-style EDN maps (kv) ------------------------------------------------------------------

// EdnReader: reads the EDN subset found in Jepsen histories: keywords (as strings without the
// colon), strings, integers, decimals, booleans, nil, vectors, lists and sets (as arrays), and
// maps (as objects; a key that is not a keyword or string is keyed by its JSON text).
class EdnReader {
 public:
  explicit EdnReader(std::string_view s) : s_(s) {}

  void skip_space() {
    while (pos_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == ','))
      ++pos_;
  }
  bool at_end() { skip_space(); return pos_ >= s_.size(); }
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  size_t pos() const { return pos_; }

  // Returns false (with *error set) on malformed input.
  bool value(nlohmann::json* out, std::string* error) {
    skip_space();
    if (pos_ >= s_.size()) { *error = "unexpected end of line (truncated?)"; return false; }
    const char c = s_[pos_];
    if (c == ']' || c == ')' || c == '}') {
      *error = std::string("unexpected '") + c + "' at column " + std::to_string(pos_ + 1) +
               " (a bracket that closes nothing open)";
      return false;
    }
    if ((c == '[' || c == '(' || c == '{' || c == '#') && depth_ >= kMaxDepth) {
      *error = "values nested deeper than " + std::to_string(kMaxDepth) + " at column " +
               std::to_string(pos_ + 1);
      return false;
    }
    if (c == '"') return string(out, error);
    if (c == '[') return sequence(']', "vector", out, error);
    if (c == '(') return sequence(')', "list", out, error);
    if (c == '#' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
      ++pos_;
      return sequence('}', "set", out, error);
    }
    if (c == '{') return map(out, error);
    size_t start = pos_;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
           s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ']' && s_[pos_] != ')')
      ++pos_;
    std::string_view tok = s_.substr(start, pos_ - start);
    int64_t n = 0;
    if (tok == "nil") {
      *out = nullptr;
    } else if (tok == "true" || tok == "false") {
      *out = tok == "true";
    } else if (tok.size() > 1 && tok[0] == ':') {
      *out = std::string(tok.substr(1));
    } else if (parse_int(tok, &n)) {
      *out = n;
    } else if (looks_integral(tok)) {
      *error = "integer '" + std::string(tok) + "' at column " + std::to_string(start + 1) +
               " is outside the signed 64-bit range";
      return false;
    } else if (double d = 0; parse_decimal(tok, &d)) {
      *out = d;
    } else {
      *error = "unexpected token '" + std::string(tok) + "' at column " + std::to_string(start + 1);
      return false;
    }
    return true;
  }

 private:
  // Counts one level of nesting while it lives (the reader recurses: a line of 100,000 '[' must
  // be an error, not a stack overflow).
  struct Nesting {
    explicit Nesting(int& depth) : depth_(depth) { ++depth_; }
    ~Nesting() { --depth_; }
    int& depth_;
  };
  // An optional minus and digits only: an integer literal (one parse_int refused is out of range).
  static bool looks_integral(std::string_view tok) {
    if (!tok.empty() && tok[0] == '-') tok.remove_prefix(1);
    if (tok.empty()) return false;
    for (char c : tok) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  }

  static bool parse_decimal(std::string_view tok, double* out) {
    if (tok.empty()) return false;
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
    return ec == std::errc() && ptr == tok.data() + tok.size();
  }

  // The items up to `close`, after the opening character at pos_.
  bool sequence(char close, const char* what, nlohmann::json* out, std::string* error) {
    ++pos_;
    const Nesting nested(depth_);
    *out = nlohmann::json::array();
    while (!consume(close)) {
      if (at_end()) {
        *error = std::string("unterminated ") + what + " (truncated?)";
        return false;
      }
      nlohmann::json item;
      if (!value(&item, error)) return false;
      out->push_back(std::move(item));
    }
    return true;
  }

  bool map(nlohmann::json* out, std::string* error) {
    ++pos_;
    const Nesting nested(depth_);
    *out = nlohmann::json::object();
    while (!consume('}')) {
      if (at_end()) {
        *error = "unterminated map (truncated?)";
        return false;
      }
      nlohmann::json k, v;
      if (!value(&k, error) || !value(&v, error)) return false;
      (*out)[k.is_string() ? k.get<std::string>() : k.dump()] = std::move(v);
    }
    return true;
  }

 private:
  bool string(nlohmann::json* out, std::string* error) {
    std::string v;
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      v.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) { *error = "unterminated string (truncated line?)"; return false; }
    ++pos_;
    *out = std::move(v);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

Result<RawEvent> parse_edn_line(std::string_view text, size_t line, const LineError& err) {
  if (Status s = utf8_error(text, text, err); !s) return s;
  EdnReader r(text);
  if (!r.consume('{')) return err("expected '{' at the start of the map");
  nlohmann::json fields = nlohmann::json::object();
  while (!r.consume('}')) {
    if (r.at_end()) return err("map not closed with '}' (truncated line?)");
    nlohmann::json k, v;
    std::string error;
    if (!r.value(&k, &error) || !r.value(&v, &error)) return err(error);
    if (!k.is_string()) return err("map key must be a keyword");
    fields[k.get<std::string>()] = std::move(v);
  }
  if (!r.at_end()) return err("unexpected text after the map");
  RawEvent e;
  e.line = line;
  e.time = static_cast<int64_t>(line);
  if (fields.contains("process") && fields["process"] == "nemesis") {
    e.non_client = true;  // :process :nemesis
    return e;
  }
  if (!fields.contains("process") || !fields["process"].is_number_integer())
    return err("field ':process': missing, or neither an integer (a client) nor :nemesis");
  e.process = fields["process"].get<int64_t>();
  if (!fields.contains("type") || !fields["type"].is_string())
    return err("field ':type': missing or not a keyword");
  auto et = event_type(fields["type"].get<std::string>(), err);
  if (!et) return et.status();
  e.type = *et;
  if (!fields.contains("f") || !fields["f"].is_string()) return err("field ':f': missing or not a keyword");
  e.f = fields["f"].get<std::string>();
  if (fields.contains("key")) {
    const auto& k = fields["key"];
    if (k.is_string()) e.key = k.get<std::string>();
    else if (k.is_number_integer()) e.key = std::to_string(k.get<int64_t>());
    else if (!k.is_null()) return err("field ':key': expected a string");
  }
  if (auto v = fields.find("value"); v != fields.end()) e.value = std::move(*v);
  return e;
}

// ---- Jepsen log lines (register) -------------------------------------------------------------------

Result<RawEvent> parse_jepsen_line(std::string_view text, size_t line, const LineError& err) {
  // INFO  jepsen.util - <process> <:type> <:f> <value...>, separated by tabs or spaces.
  size_t at = text.find("jepsen.util");
  if (at == std::string_view::npos) return err("not a Jepsen log line (no 'jepsen.util')");
  std::string_view rest = trim(text.substr(at + 11));
  if (Status s = utf8_error(text, rest, err); !s) return s;
  if (rest.empty() || rest[0] != '-') return err("expected '-' after 'jepsen.util'");
  rest = trim(rest.substr(1));
  auto next_token = [&rest]() {
    size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
    std::string_view tok = rest.substr(0, end);
    rest = trim(rest.substr(end));
    return tok;
  };
  RawEvent e;
  e.line = line;
  e.time = static_cast<int64_t>(line);
  std::string_view proc = next_token(), type = next_token(), f = next_token();
  if (proc == ":nemesis") {
    e.non_client = true;
    return e;
  }
  if (!parse_int(proc, &e.process))
    return err("process: expected an integer (a client) or :nemesis, got '" + std::string(proc) +
               "'");
  if (type.size() < 2 || type[0] != ':') return err("type: expected a keyword like :invoke (truncated line?)");
  auto et = event_type(type.substr(1), err);
  if (!et) return et.status();
  e.type = *et;
  if (f.size() < 2 || f[0] != ':') return err("f: expected a keyword like :read (truncated line?)");
  e.f = std::string(f.substr(1));
  if (rest.empty()) return err("value: missing (truncated line?)");
  EdnReader r(rest);
  std::string error;
  if (!r.value(&e.value, &error)) return err("value: " + error);
  if (!r.at_end()) return err("value: unexpected text after the value");
  return e;
}

// Sets *value to what `ref` stands for. Errors name the line (err) and the field.
Status resolve_ref(const ValueRef& ref, const HistoryBuilder& builder,
                   const std::vector<std::pair<size_t, HistoryBuilder::Stored>>& referable,
                   const std::string& key, const LineError& err, nlohmann::json* value) {
  auto it = std::lower_bound(referable.begin(), referable.end(), ref.of,
                             [](const auto& entry, size_t line) { return entry.first < line; });
  if (it == referable.end() || it->first != ref.of)
    return err("field 'prefix_of': line " + std::to_string(ref.of) +
               " has no invoke or ok value of at least " + std::to_string(kMinDeltaBytes) +
               " bytes to refer to");
  const Operation& op = builder.op(it->second.op);
  if (op.key != key)
    return err("field 'prefix_of': line " + std::to_string(ref.of) + " is on another key");
  const std::string& base = (it->second.output ? op.output : op.input).get_ref<const std::string&>();
  if (ref.len > base.size())
    return err("field 'prefix_len': " + std::to_string(ref.len) + " bytes, but the value on line " +
               std::to_string(ref.of) + " has " + std::to_string(base.size()));
  if (ref.len < base.size() && (static_cast<unsigned char>(base[ref.len]) & 0xC0) == 0x80)
    return err("field 'prefix_len': cuts a UTF-8 character of the value on line " + std::to_string(ref.of));
  std::string v;
  v.reserve(ref.len + ref.suffix.size());
  v.append(base, 0, ref.len);
  v.append(ref.suffix);
  *value = std::move(v);
  return Status::ok();
}

HistoryFormat detect(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    if (line[0] == '{') {
      std::string_view inner = trim(line.substr(1));
      return (!inner.empty() && inner[0] == ':') ? HistoryFormat::kKvEdn : HistoryFormat::kJson;
    }
    if (line.find("jepsen.util") != std::string_view::npos) return HistoryFormat::kJepsenLog;
    return HistoryFormat::kAuto;
  }
  return HistoryFormat::kJson;  // empty: any format reads it
}

bool is_register_op(const std::string& f) { return f == "read" || f == "write" || f == "cas"; }

}  // namespace

Result<HistoryFormat> parse_format_name(std::string_view name) {
  if (name == "auto") return HistoryFormat::kAuto;
  if (name == "json") return HistoryFormat::kJson;
  if (name == "kv-edn" || name == "edn") return HistoryFormat::kKvEdn;
  if (name == "jepsen-log" || name == "jepsen") return HistoryFormat::kJepsenLog;
  return Status::invalid_argument("unknown history format '" + std::string(name) +
                                  "' (expected auto, json, kv-edn or jepsen-log)");
}

Result<History> parse_history_text(std::string_view text, HistoryFormat format,
                                   const std::string& source_name) {
  // A UTF-8 byte-order mark (some editors on Windows write one) is not part of the first line.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (format == HistoryFormat::kAuto) {
    format = detect(text);
    if (format == HistoryFormat::kAuto) {
      return Status::invalid_argument(source_name +
                                      ": cannot tell the history format from the first line; "
                                      "use --format json|kv-edn|jepsen-log");
    }
  }
  HistoryBuilder builder(source_name);
  // Lines whose value a later line may refer to (JSON lines: invoke or ok, a string of at least
  // kMinDeltaBytes), in line order: line -> where the builder keeps the value.
  std::vector<std::pair<size_t, HistoryBuilder::Stored>> referable;
  std::optional<ValueRef> ref;
  bool any_time = false, any_without_time = false;
  size_t line_no = 0, pos = 0, non_client_events = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (is_blank(line)) continue;
    LineError err(source_name, line_no);
    Result<RawEvent> event = Status::invalid_argument("unreachable");
    if (format == HistoryFormat::kJson) {
      bool has_time = false;
      event = parse_json_line(line, line_no, err, &has_time, &ref);
      if (event && !event->non_client) {
        (has_time ? any_time : any_without_time) = true;
        if (any_time && any_without_time)
          return err("field 'time': either every event has a time or none does");
        if (ref) {
          if (Status s = resolve_ref(*ref, builder, referable, event->key, err, &event->value); !s) return s;
        }
      }
    } else if (format == HistoryFormat::kKvEdn) {
      event = parse_edn_line(line, line_no, err);
    } else {
      event = parse_jepsen_line(line, line_no, err);
    }
    if (!event) return event.status();
    if (event->non_client) {
      ++non_client_events;
      continue;
    }
    if (Status s = builder.add(std::move(event).value()); !s) return s;
    if (format == HistoryFormat::kJson) {
      if (const auto stored = builder.last_stored()) {
        const Operation& op = builder.op(stored->op);
        const nlohmann::json& v = stored->output ? op.output : op.input;
        if (v.is_string() && v.get_ref<const std::string&>().size() >= kMinDeltaBytes)
          referable.emplace_back(line_no, *stored);
      }
    }
  }
  History h;
  switch (format) {
    case HistoryFormat::kJson: h = builder.finish("json", ""); break;
    case HistoryFormat::kKvEdn: h = builder.finish("kv-edn", ""); break;
    default: h = builder.finish("jepsen-log", "register"); break;
  }
  if (h.model_hint.empty() && !h.ops.empty())
    h.model_hint = is_register_op(h.ops.front().f) ? "register" : "kv";
  h.times_in_ns = format == HistoryFormat::kJson && any_time;
  h.non_client_events = non_client_events;
  return h;
}

Result<History> parse_history_bytes(std::string_view bytes, HistoryFormat format,
                                    const std::string& source_name, size_t max_bytes) {
  if (!is_zstd(bytes)) return parse_history_text(bytes, format, source_name);
  auto text = zstd_decompress(bytes, source_name, max_bytes);
  if (!text) return text.status();
  return parse_history_text(*text, format, source_name);
}

Result<History> parse_history_file(const std::string& path, HistoryFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path + ": cannot open history file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::io_error(path + ": read error");
  return parse_history_bytes(buf.str(), format, path);
}

std::string to_json_line(const HistoryEvent& event) {
  HistoryEvent copy = event;
  JsonLinesEncoder encoder(/*delta=*/false);
  std::string line;
  encoder.append(copy, &line);
  line.pop_back();  // the '\n'
  return line;
}

}  // namespace checker
