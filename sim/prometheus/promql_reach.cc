#include "sim/prometheus/promql_reach.h"

#include <algorithm>

namespace failsim::sim::prometheus {

std::optional<std::int64_t> reach_ms(const Node& n) {
  if (n.at != AtKind::kNone) return std::nullopt;
  std::int64_t own = std::max<std::int64_t>(n.offset_ms, 0);
  std::int64_t children = 0;
  auto add = [&children](const Node* child) {
    if (child == nullptr) return true;
    const auto r = reach_ms(*child);
    if (!r) return false;
    children = std::max(children, *r);
    return true;
  };
  for (const auto& a : n.args) {
    if (!add(a.get())) return std::nullopt;
  }
  if (!add(n.param.get())) return std::nullopt;
  switch (n.kind) {
    case Node::Kind::kMatrixSelector: return own + n.range_ms;
    case Node::Kind::kSubquery: return own + n.range_ms + children;
    default: return std::max(own, children);
  }
}

}  // namespace failsim::sim::prometheus
