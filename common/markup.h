#pragma once
// escape_markup(): text made safe inside HTML or XML element content and quoted attributes
// (& < > " ' become entities). Pure; any thread.
#include <string>
#include <string_view>

namespace common {

inline std::string escape_markup(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace common
