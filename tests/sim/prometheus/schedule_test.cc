// Prometheus 2.42's scrape and evaluation phases (sim/prometheus/schedule.h): the hash
// functions against their published test vectors, Prometheus's duration and label-set
// printing, and the slot arithmetic. The whole chain is checked against a real
// Prometheus in tests/harness/runs/prometheus_schedule_test.cc.
#include "sim/prometheus/schedule.h"

#include <gtest/gtest.h>

namespace failsim::sim::prometheus {
namespace {

using namespace std::chrono_literals;

TEST(Schedule, Xxh64MatchesTheReferenceVectors) {
  // XXH64 seed 0 (the xxHash specification's vectors; cespare/xxhash agrees).
  EXPECT_EQ(xxh64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh64("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxh64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxh64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);  // > 32 bytes: the 4-lane path
}

TEST(Schedule, Fnv1a64MatchesTheReferenceVectors) {
  EXPECT_EQ(fnv1a64(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171F73967E8ULL);
}

TEST(Schedule, DurationsPrintAsPrometheusPrintsThem) {
  // model.Duration.String(): what __scrape_interval__ / __scrape_timeout__ hold.
  EXPECT_EQ(prometheus_duration(15s), "15s");
  EXPECT_EQ(prometheus_duration(60s), "1m");
  EXPECT_EQ(prometheus_duration(90s), "1m30s");
  EXPECT_EQ(prometheus_duration(500ms), "500ms");
  EXPECT_EQ(prometheus_duration(0s), "0s");
  EXPECT_EQ(prometheus_duration(1h), "1h");
  EXPECT_EQ(prometheus_duration(7 * 24h), "1w");
  EXPECT_EQ(prometheus_duration(8 * 24h), "8d");  // weeks only when exact
}

TEST(Schedule, LabelSetsPrintAndHashAsPrometheusDoes) {
  EXPECT_EQ(labels_string({{"region", "lab"}, {"cluster", "a\"b"}}), R"({cluster="a\"b", region="lab"})");
  EXPECT_EQ(labels_string({}), "{}");
  // labels.Hash: name 0xff value 0xff per label, sorted by name.
  EXPECT_EQ(labels_hash({{"b", "2"}, {"a", "1"}}), xxh64(std::string("a\xff" "1\xff" "b\xff" "2\xff")));
  EXPECT_EQ(jitter_seed("prom-01", {}), fnv1a64("prom-01{}"));
}

TEST(Schedule, PhasesStayWithinTheIntervalAndDependOnEveryInput) {
  ScrapeTargetKey key{"runners", "rack1-a:9200", "http", "/metrics", 30s, 10s, {{"tier", "deploy"}}};
  const std::uint64_t seed = jitter_seed("prom-a.northwind.internal", {{"cluster", "nw-prod"}});
  const Duration p = scrape_phase(key, seed);
  EXPECT_GE(p, 0s);
  EXPECT_LT(p, 30s);
  EXPECT_NE(scrape_phase(key, jitter_seed("prom-b", {{"cluster", "nw-prod"}})), p) << "the server's FQDN moves every phase";
  ScrapeTargetKey other = key;
  other.labels = {{"tier", "build"}};
  EXPECT_NE(scrape_phase(other, seed), p) << "target labels are part of the hash";
  const Duration g = evaluation_phase("ci-runners", "/etc/prometheus/rules.yml", 30s);
  EXPECT_LT(g, 30s);
  EXPECT_NE(evaluation_phase("ci-runners", "/etc/prometheus/other.yml", 30s), g) << "the file is part of the group hash";
}

TEST(Schedule, FirstSlotIsStrictlyAfterTheStart) {
  // rules/manager.go: EvalTimestamp(now) + interval; scrape/target.go offset(): both the
  // first T > now with T = phase (mod interval).
  const TimePoint start = at_us(1'765'486'800'000'000);  // aligned to 30 s
  EXPECT_EQ(first_slot_after(start, 7s, 30s), start + 7s);
  EXPECT_EQ(first_slot_after(start, 0s, 30s), start + 30s) << "a slot at the start itself has passed";
  EXPECT_EQ(first_slot_after(start + 8s, 7s, 30s), start + 37s);
  EXPECT_EQ(first_slot_after(start + 6s, 7s, 30s), start + 7s);
}

}  // namespace
}  // namespace failsim::sim::prometheus
