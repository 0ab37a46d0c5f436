#include "sim/prometheus/relabel.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

namespace failsim::sim::prometheus {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// ^(?:regex)$, compiled once per distinct text.
const RE2& anchored(const std::string& regex) {
  thread_local std::vector<std::pair<std::string, std::unique_ptr<RE2>>> cache;
  for (const auto& [text, re] : cache) {
    if (text == regex) return *re;
  }
  RE2::Options o;
  o.set_log_errors(false);
  cache.emplace_back(regex, std::make_unique<RE2>("^(?:" + regex + ")$", o));
  if (cache.size() > 256) cache.erase(cache.begin());
  return *cache.back().second;
}

// Go's Regexp.Expand over the submatches of one match.
std::string expand(const RE2& re, const std::string& tmpl, const std::vector<re2::StringPiece>& groups, const std::vector<bool>& matched) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto dollar = tmpl.find('$', i);
    if (dollar == std::string::npos) break;
    out.append(tmpl, i, dollar - i);
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {  // $$ is $
      out += '$';
      ++i;
      continue;
    }
    // extract(): a name of letters, digits and _, or {name}.
    std::size_t j = i;
    const bool brace = j < tmpl.size() && tmpl[j] == '{';
    if (brace) ++j;
    const std::size_t name_start = j;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_' ||
                               static_cast<unsigned char>(tmpl[j]) >= 0x80)) {
      ++j;
    }
    const std::string name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out += '$';  // malformed: the $ is text
      continue;
    }
    if (brace) ++j;
    i = j;
    long num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;
    if (num >= 0) {
      if (static_cast<std::size_t>(num) < groups.size() && matched[static_cast<std::size_t>(num)]) {
        out.append(groups[static_cast<std::size_t>(num)].data(), groups[static_cast<std::size_t>(num)].size());
      }
    } else {
      const auto& names = re.NamedCapturingGroups();
      const auto it = names.find(name);
      if (it != names.end() && static_cast<std::size_t>(it->second) < groups.size() && matched[static_cast<std::size_t>(it->second)]) {
        out.append(groups[static_cast<std::size_t>(it->second)].data(), groups[static_cast<std::size_t>(it->second)].size());
      }
    }
  }
  out.append(tmpl, std::min(i, tmpl.size()), std::string::npos);
  return out;
}

// Matches `text` fully; fills the groups (0: the whole match).
bool match(const RE2& re, const std::string& text, std::vector<re2::StringPiece>& groups, std::vector<bool>& matched) {
  const int n = re.NumberOfCapturingGroups() + 1;
  groups.assign(static_cast<std::size_t>(n), re2::StringPiece());
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n)) return false;
  matched.assign(static_cast<std::size_t>(n), false);
  for (int k = 0; k < n; ++k) matched[static_cast<std::size_t>(k)] = groups[static_cast<std::size_t>(k)].data() != nullptr;
  return true;
}

std::uint64_t sum64(const std::vector<std::uint8_t>& h) {
  std::uint64_t s = 0;
  for (std::size_t i = 8; i < 16; ++i) s = (s << 8) | h[i];  // the first 8 bytes shift out (Go: shift >= 64 is 0)
  return s;
}

// One config; false when it drops the labels.
bool apply(Labels& lset, const RelabelConfig& c) {
  std::string val;
  for (std::size_t i = 0; i < c.source_labels.size(); ++i) {
    if (i > 0) val += c.separator;
    val += label_value(lset, c.source_labels[i]);
  }
  const RE2& re = anchored(c.regex);
  std::vector<re2::StringPiece> groups;
  std::vector<bool> matched;
  switch (c.action) {
    case RelabelAction::kDrop: return !RE2::FullMatch(val, re);
    case RelabelAction::kKeep: return RE2::FullMatch(val, re);
    case RelabelAction::kDropEqual: return std::string(label_value(lset, c.target_label)) != val;
    case RelabelAction::kKeepEqual: return std::string(label_value(lset, c.target_label)) == val;
    case RelabelAction::kReplace: {
      if (!match(re, val, groups, matched)) return true;
      const std::string target = expand(re, c.target_label, groups, matched);
      if (!is_valid_label_name(target)) {
        set_label(lset, c.target_label, "");
        return true;
      }
      const std::string res = expand(re, c.replacement, groups, matched);
      if (res.empty()) {
        set_label(lset, c.target_label, "");
        return true;
      }
      set_label(lset, target, res);
      return true;
    }
    case RelabelAction::kLowercase: set_label(lset, c.target_label, lower(val)); return true;
    case RelabelAction::kUppercase: set_label(lset, c.target_label, upper(val)); return true;
    case RelabelAction::kHashMod: {
      const std::uint64_t mod = c.modulus == 0 ? 0 : sum64(md5(val)) % c.modulus;
      set_label(lset, c.target_label, std::to_string(mod));
      return true;
    }
    case RelabelAction::kLabelMap: {
      const Labels before = lset;
      for (const auto& [name, value] : before) {
        if (!match(re, name, groups, matched)) continue;
        set_label(lset, expand(re, c.replacement, groups, matched), value);
      }
      return true;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      const Labels before = lset;
      for (const auto& [name, value] : before) {
        if (RE2::FullMatch(name, re) == (c.action == RelabelAction::kLabelDrop)) set_label(lset, name, "");
      }
      return true;
    }
  }
  return true;
}

constexpr std::array<std::pair<const char*, RelabelAction>, 11> kActions = {{
    {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
    {"drop", RelabelAction::kDrop},           {"keepequal", RelabelAction::kKeepEqual},
    {"dropequal", RelabelAction::kDropEqual}, {"hashmod", RelabelAction::kHashMod},
    {"labelmap", RelabelAction::kLabelMap},   {"labeldrop", RelabelAction::kLabelDrop},
    {"labelkeep", RelabelAction::kLabelKeep}, {"lowercase", RelabelAction::kLowercase},
    {"uppercase", RelabelAction::kUppercase},
}};

}  // namespace

std::optional<RelabelAction> relabel_action(const std::string& name) {
  for (const auto& [text, a] : kActions) {
    if (lower(name) == text) return a;
  }
  return std::nullopt;
}

const char* to_string(RelabelAction a) {
  for (const auto& [text, x] : kActions) {
    if (x == a) return text;
  }
  return "?";
}

Result<bool> check_relabel_config(const RelabelConfig& c) {
  using R = Result<bool>;
  const std::string a = to_string(c.action);
  RE2::Options o;
  o.set_log_errors(false);
  RE2 re("^(?:" + c.regex + ")$", o);
  if (!re.ok()) return R::error("regex \"" + c.regex + "\" does not compile: " + re.error());
  const bool needs_target = c.action == RelabelAction::kReplace || c.action == RelabelAction::kHashMod ||
                            c.action == RelabelAction::kLowercase || c.action == RelabelAction::kUppercase ||
                            c.action == RelabelAction::kKeepEqual || c.action == RelabelAction::kDropEqual;
  if (needs_target && c.target_label.empty()) return R::error("relabel configuration for " + a + " action requires 'target_label' value");
  if (c.action == RelabelAction::kReplace && !is_valid_label_name(c.target_label) &&
      c.target_label.find('$') == std::string::npos) {
    return R::error("\"" + c.target_label + "\" is invalid 'target_label' for " + a + " action");
  }
  if ((c.action == RelabelAction::kLowercase || c.action == RelabelAction::kUppercase || c.action == RelabelAction::kHashMod ||
       c.action == RelabelAction::kKeepEqual || c.action == RelabelAction::kDropEqual) &&
      !is_valid_label_name(c.target_label)) {
    return R::error("\"" + c.target_label + "\" is invalid 'target_label' for " + a + " action");
  }
  if (c.action == RelabelAction::kHashMod && c.modulus == 0) {
    return R::error("relabel configuration for hashmod requires non-zero modulus");
  }
  if (c.action == RelabelAction::kLabelDrop || c.action == RelabelAction::kLabelKeep) {
    if (!c.source_labels.empty() || !c.target_label.empty() || c.modulus != 0 || c.separator != ";" || c.replacement != "$1") {
      return R::error(a + " action requires only 'regex', and no other fields");
    }
  }
  if ((c.action == RelabelAction::kKeepEqual || c.action == RelabelAction::kDropEqual) &&
      (c.regex != "(.*)" || c.modulus != 0 || c.separator != ";" || c.replacement != "$1")) {
    return R::error(a + " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  return R::ok(true);
}

std::optional<Labels> relabel(const Labels& labels, const std::vector<RelabelConfig>& configs) {
  Labels out = labels;
  for (const auto& c : configs) {
    if (!apply(out, c)) return std::nullopt;
  }
  return out;
}

Labels discovered_target_labels(const Labels& discovered, const TargetDefaults& d) {
  Labels lset = discovered;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"job", &d.job},
                                    {"__scrape_interval__", &d.scrape_interval},
                                    {"__scrape_timeout__", &d.scrape_timeout},
                                    {"__metrics_path__", &d.metrics_path},
                                    {"__scheme__", &d.scheme}}) {
    if (label_value(lset, name).empty()) set_label(lset, name, *value);
  }
  return lset;
}

Result<std::optional<Labels>> populate_target_labels(const Labels& discovered, const TargetDefaults& d,
                                                     const std::vector<RelabelConfig>& configs) {
  using R = Result<std::optional<Labels>>;
  const auto relabelled = relabel(discovered_target_labels(discovered, d), configs);
  if (!relabelled) return R::ok(std::nullopt);
  Labels lset = *relabelled;
  std::string addr(label_value(lset, "__address__"));
  if (addr.empty()) return R::error("no address");
  const bool has_port = addr.rfind(':') != std::string::npos && addr.back() != ']';
  if (!has_port) {
    const std::string scheme(label_value(lset, "__scheme__"));
    addr += scheme == "https" ? ":443" : ":80";
    set_label(lset, "__address__", addr);
  }
  const Labels before = lset;
  for (const auto& [name, value] : before) {
    if (name.rfind("__meta_", 0) == 0) set_label(lset, name, "");
  }
  if (label_value(lset, "instance").empty()) set_label(lset, "instance", addr);
  return R::ok(lset);
}

// ---- MD5 (RFC 1321) ---------------------------------------------------------------

std::vector<std::uint8_t> md5(const std::string& data) {
  static constexpr std::uint32_t k[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
  static constexpr int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                                14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  std::vector<std::uint8_t> msg(data.begin(), data.end());
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(0x80);
  while (msg.size() % 64 != 56) msg.push_back(0);
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  std::uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  auto rotl = [](std::uint32_t x, int c) { return (x << c) | (x >> (32 - c)); };
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) {
      w[i] = static_cast<std::uint32_t>(msg[off + 4 * i]) | static_cast<std::uint32_t>(msg[off + 4 * i + 1]) << 8 |
             static_cast<std::uint32_t>(msg[off + 4 * i + 2]) << 16 | static_cast<std::uint32_t>(msg[off + 4 * i + 3]) << 24;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], dd = h[3];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & dd);
        g = i;
      } else if (i < 32) {
        f = (dd & b) | (~dd & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ dd;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~dd);
        g = (7 * i) % 16;
      }
      const std::uint32_t tmp = dd;
      dd = c;
      c = b;
      b = b + rotl(a + f + k[i] + w[g], r[i]);
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += dd;
  }
  std::vector<std::uint8_t> out;
  for (std::uint32_t v : h) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  return out;
}

}  // namespace failsim::sim::prometheus
