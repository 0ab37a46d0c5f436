// `--set PATH=VALUE`: what-if changes to the world, scenario, policy or rules of a run,
// applied to the documents before they are read, so a changed value is validated
// exactly like the file itself (an unknown field or a bad duration is the same error,
// naming the file and the JSON pointer, plus the --set that caused it).
//
// PATH is dotted (`prometheus.global.scrape_interval`) or a JSON pointer
// (`/prometheus/global/scrape_interval`). Its first key picks the document: `world`,
// `scenario`, `policy` or `rules` explicitly, else the document that has that
// top-level field (`prometheus` is the world's, `deploy` the policy's, `workload` the
// scenario's); `name` and `description` need the prefix. A missing last field is
// added (the reader then says whether it is a known one). `*` matches
// every element of an array or field of an object. Shorthands:
//   prometheus.scrape_interval  -> the global interval and every scrape job's
//   prometheus.scrape_timeout   -> likewise for the timeout
//   rules.ALERT.for | keep_firing_for | expr  (ALERT may be *: every alerting rule)
// VALUE is JSON when it parses as JSON (3, true, "x", [..]), else a string (30s).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "failover/result.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

struct Override {
  std::string text;      // as given: "prometheus.scrape_interval=30s"
  std::string document;  // world | scenario | policy | rules
  std::vector<std::vector<std::string>> paths;  // keys inside the document (a shorthand has several)
  nlohmann::json value;
};

Result<Override> parse_override(const std::string& text);
Result<std::vector<Override>> parse_overrides(const std::vector<std::string>& texts);
// `--set PATH=A --set PATH=B` is a mistake, not "the last wins": an error naming both.
Result<bool> refuse_repeated_sets(const std::vector<std::string>& texts);

// `text` (a JSON document of kind `document`, read from `file`) with every override for
// that document applied; unchanged (same bytes) when none applies. Errors name the
// --set, the file and the pointer that does not exist.
Result<std::string> apply_overrides(const std::string& text, const std::string& file, const std::string& document,
                                    const std::vector<Override>& overrides);

// "--set a=1, --set b=2" for error messages and reports.
std::string describe_overrides(const std::vector<Override>& overrides);

// Reads `path`, applies the overrides for `document` and hands the text to `parse`;
// an error of a changed document says which --set changed it.
template <typename T, typename Parse>
Result<T> parse_with_overrides(const std::string& text, const std::string& path, const std::string& document,
                               const std::vector<Override>& overrides, Parse parse) {
  auto changed = apply_overrides(text, path, document, overrides);
  if (!changed) return Result<T>::error(changed.error());
  auto parsed = parse(changed.value(), path);
  if (!parsed && changed.value() != text) {
    std::vector<Override> mine;
    for (const auto& o : overrides) {
      if (o.document == document) mine.push_back(o);
    }
    return Result<T>::error(parsed.error() + " (after " + describe_overrides(mine) + ")");
  }
  return parsed;
}

// The `rules.ALERT.field` overrides, on loaded rule groups.
Result<bool> apply_rule_overrides(std::vector<sim::prometheus::RuleGroupSpec>& groups,
                                  const std::vector<Override>& overrides);

}  // namespace failsim::harness
