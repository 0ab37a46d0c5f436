// Escaping text for XML (JUnit) and HTML: & < > " ' become entities, and control
// characters XML 1.0 forbids (all below 0x20 but tab and newline) are dropped.
#pragma once

#include <string>

namespace failsim::reports {

inline std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

}  // namespace failsim::reports
