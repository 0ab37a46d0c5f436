// Bounds on a loaded YAML document, checked before anything walks it.
// yaml-cpp shares an aliased node rather than copying it, so a 10 KB file of anchors
// naming anchors ("billion laughs") loads small but is 10^9 nodes to anyone who walks
// it, converts it or dumps it. yaml_over_limits counts nodes as a walk would meet them
// (an alias counts each time it is met) and stops at the first bound crossed:
//  - more than max_nodes nodes (default 1,000,000: a 16 MiB input limit's worth of
//    real configuration is far less);
//  - deeper than max_depth (default 64) collections.
// It returns why, with the 1-based line of the node where the bound was crossed, or
// nullopt. Time is O(max_nodes) at worst, whatever the document.
//
// unterminated_quote: yaml-cpp 0.7 takes a quoted scalar still open at the end of the
// text as ending there; Prometheus's parser (and promtool) says "found unexpected end
// of stream". It returns the 1-based line where such a scalar opens, or nullopt. A
// scanner, not a parser: quotes count only where a scalar can begin (a line's first
// character, after "- ", ": ", "? ", or [ { , inside flow collections); comments and
// block scalars (| and >) are skipped. O(text).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string_view>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace failsim::sim {

inline std::optional<std::string> yaml_over_limits(const YAML::Node& root, std::size_t max_nodes = 1'000'000,
                                                   std::size_t max_depth = 64) {
  std::vector<std::pair<YAML::Node, std::size_t>> stack{{root, 0}};
  std::size_t seen = 0;
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    const int line = node.Mark().line + 1;
    if (++seen > max_nodes) {
      return "line " + std::to_string(line) + ": the document expands to more than " + std::to_string(max_nodes) +
             " nodes (aliases repeat what their anchors name); failsim refuses it";
    }
    if (depth > max_depth) {
      return "line " + std::to_string(line) + ": nested deeper than " + std::to_string(max_depth) + " levels";
    }
    if (node.IsSequence()) {
      for (const auto& item : node) stack.emplace_back(item, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        stack.emplace_back(kv.first, depth + 1);
        stack.emplace_back(kv.second, depth + 1);
      }
    }
  }
  return std::nullopt;
}

inline std::optional<int> unterminated_quote(std::string_view text) {
  std::size_t i = 0;
  int line = 1;
  int flow_depth = 0;
  std::optional<std::size_t> block_indent;  // inside a block scalar opened on a line this indented
  while (i < text.size()) {
    // A new line: its indentation, and whether a block scalar's content goes on.
    std::size_t indent = 0;
    while (i + indent < text.size() && text[i + indent] == ' ') ++indent;
    const std::size_t eol = std::min(text.find('\n', i), text.size());
    const bool blank = i + indent >= eol || text[i + indent] == '\r';
    if (block_indent && (blank || indent > *block_indent)) {
      i = eol + 1;
      ++line;
      continue;
    }
    block_indent.reset();
    bool may_start = true;  // a scalar may begin here
    bool only_dashes = true;
    std::size_t j = i + indent;
    while (j < eol) {
      const char c = text[j];
      if (c == '#' && (j == i || text[j - 1] == ' ' || text[j - 1] == '\t')) break;
      if ((c == '"' || c == '\'') && may_start) {
        const int opened = line;
        std::size_t k = j + 1;
        for (;; ++k) {
          if (k >= text.size()) return opened;
          if (text[k] == '\n') ++line;
          if (c == '"' && text[k] == '\\') {
            if (k + 1 < text.size() && text[k + 1] == '\n') ++line;
            ++k;
            continue;
          }
          if (text[k] == c) {
            if (c == '\'' && k + 1 < text.size() && text[k + 1] == '\'') {
              ++k;
              continue;
            }
            break;
          }
        }
        // Continue after the closing quote, on whatever line it is.
        j = k + 1;
        const std::size_t new_eol = std::min(text.find('\n', j), text.size());
        if (new_eol != eol) {
          i = j;  // the scan of this (later) line goes on below with its own end
          while (j < new_eol) {
            const char d = text[j];
            if (d == '#' && (text[j - 1] == ' ' || text[j - 1] == '\t')) break;
            if (d == '[' || d == '{') ++flow_depth;
            if ((d == ']' || d == '}') && flow_depth > 0) --flow_depth;
            ++j;
          }
          j = new_eol;
          break;
        }
        may_start = false;
        only_dashes = false;
        continue;
      }
      if ((c == '|' || c == '>') && may_start && flow_depth == 0) {
        std::size_t k = j + 1;
        while (k < eol && (text[k] == '+' || text[k] == '-' || (text[k] >= '1' && text[k] <= '9'))) ++k;
        while (k < eol && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) ++k;
        if (k == eol || text[k] == '#') {
          block_indent = indent;
          break;
        }
      }
      if (c == '[' || c == '{') {
        ++flow_depth;
        may_start = true;
      } else if (c == ']' || c == '}') {
        if (flow_depth > 0) --flow_depth;
        may_start = false;
      } else if (c == ',' && flow_depth > 0) {
        may_start = true;
      } else if ((c == '-' || c == '?' || c == ':') && (j + 1 == eol || text[j + 1] == ' ' || text[j + 1] == '\t' || text[j + 1] == '\r') &&
                 (c == ':' || only_dashes)) {
        may_start = true;
      } else if (c == ':' && flow_depth > 0 && j + 1 < eol && (text[j + 1] == ',' || text[j + 1] == ']' || text[j + 1] == '}')) {
        may_start = false;
      } else if (c != ' ' && c != '\t') {
        may_start = false;
        if (c != '-') only_dashes = false;
      }
      if (c != '-' && c != ' ' && c != '\t') only_dashes = false;
      ++j;
    }
    const std::size_t end = std::min(text.find('\n', std::max(j, i)), text.size());
    line += end < text.size() ? 1 : 0;
    i = end + 1;
  }
  return std::nullopt;
}

}  // namespace failsim::sim
