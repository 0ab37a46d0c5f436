#include "harness/inputs/distribution_field.h"

namespace failsim::harness {

using json_fields::Fields;
using json_fields::json;

sim::Distribution read_distribution(Fields& parent, const std::string& key, sim::Distribution fallback) {
  const json* v = parent.get(key);
  if (v == nullptr) return fallback;
  if (v->is_string()) return sim::Distribution::fixed(parent.duration(key));
  Fields f(*v, parent.at(key));
  const auto kind = f.choice("kind",
                             std::map<std::string, sim::Distribution::Kind>{
                                 {"fixed", sim::Distribution::Kind::kFixed},
                                 {"uniform", sim::Distribution::Kind::kUniform},
                                 {"exponential", sim::Distribution::Kind::kExponential},
                                 {"normal", sim::Distribution::Kind::kNormal},
                                 {"lognormal", sim::Distribution::Kind::kLognormal}},
                             sim::Distribution::Kind::kFixed);
  sim::Distribution d;
  d.kind = kind;
  switch (kind) {
    case sim::Distribution::Kind::kFixed: d.a = f.duration("value"); break;
    case sim::Distribution::Kind::kUniform:
      d.a = f.duration("min");
      d.b = f.duration("max");
      if (d.b < d.a) Fields::fail(f.at("max"), "expected max >= min");
      break;
    case sim::Distribution::Kind::kExponential: d.a = f.duration("mean"); break;
    case sim::Distribution::Kind::kNormal:
      d.a = f.duration("mean");
      d.b = f.duration("stddev");
      break;
    case sim::Distribution::Kind::kLognormal:
      d.a = f.duration("median");
      d.sigma = f.number("sigma", 0.3);
      if (d.sigma < 0) Fields::fail(f.at("sigma"), "expected a number >= 0");
      break;
  }
  f.finish();
  return d;
}

}  // namespace failsim::harness
