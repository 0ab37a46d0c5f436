// The fake Prometheus HTTP API against a plain HTTP client: success and error shapes
// and status codes as Prometheus 2.42 writes them (reference B4, bodies marked [2.42✓]).
// The world: PAWS360 with the corrected rules; Serotonin's exporter stopped 2 minutes
// in, so after 10 simulated minutes its target is down and RunnerScrapeDown fires.
#include "fakes/prometheus_api.h"
#include "fakes/prometheus_metadata_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "tests/fakes/live_fixture.h"

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class FakePrometheusApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(live_.started);
    start_s_ = to_us(live_.world.spec().start) / 1'000'000;
    live_.world.engine().schedule_at(live_.world.spec().start + 2min,
                                     [this] { live_.world.runner("Serotonin-paws360")->set_exporter_running(false); });
    live_.advance(10min);
    install_prometheus_api(server_.routes(), *(loop_ = std::make_unique<LiveLoop>(live_.world.engine(), 1.0)),
                           live_.world.prometheus(), live_.world.spec().start);
    install_prometheus_metadata_api(server_.routes(), *loop_, live_.world.prometheus(), PrometheusStatus{live_.world.spec().start, {}});
    ASSERT_TRUE(server_.start("127.0.0.1", 0));
    engine_ = std::thread([this] { loop_->run_until(live_.world.engine().now() + 1h); });
    client_ = testing::client_for(server_);
  }
  void TearDown() override {
    loop_->stop();
    engine_.join();
    server_.stop();
  }
  json get_json(const std::string& path, int expect_status = 200) {
    auto res = client_->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body, nullptr, false);
  }

  testing::LiveFixture live_{testing::corrected_world(3)};
  std::unique_ptr<LiveLoop> loop_;
  std::thread engine_;
  HttpServer server_;
  std::unique_ptr<httplib::Client> client_;
  std::int64_t start_s_ = 0;
};

TEST_F(FakePrometheusApi, InstantQueryReturnsAVectorWithStringValues) {
  const json j = get_json("/api/v1/query?query=up");
  EXPECT_EQ(j["status"], "success");
  EXPECT_FALSE(j.contains("errorType"));
  EXPECT_EQ(j["data"]["resultType"], "vector");
  ASSERT_EQ(j["data"]["result"].size(), 2u);
  std::map<std::string, std::string> up;
  for (const auto& r : j["data"]["result"]) {
    EXPECT_EQ(r["metric"]["__name__"], "up");
    EXPECT_EQ(r["metric"]["job"], "github-runner-health");
    ASSERT_TRUE(r["value"][0].is_number());
    ASSERT_TRUE(r["value"][1].is_string());  // B4: values are always strings
    up[r["metric"]["instance"]] = r["value"][1];
  }
  EXPECT_EQ(up["serotonin:9102"], "0");
  EXPECT_EQ(up["dell-r640-01:9101"], "1");
}

TEST_F(FakePrometheusApi, PostFormQueriesAndAggregatesHaveAnEmptyMetric) {
  auto res = client_->Post("/api/v1/query", "query=count(up)", "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = json::parse(res->body);
  ASSERT_EQ(j["data"]["result"].size(), 1u);
  EXPECT_EQ(j["data"]["result"][0]["metric"], json::object());  // B4: {"metric":{},"value":[…,"2"]}
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "2");
}

TEST_F(FakePrometheusApi, ScalarResultsAreAPairNotAList) {
  const json j = get_json("/api/v1/query?query=2*3");
  EXPECT_EQ(j["data"]["resultType"], "scalar");
  ASSERT_TRUE(j["data"]["result"].is_array());
  ASSERT_EQ(j["data"]["result"].size(), 2u);
  EXPECT_EQ(j["data"]["result"][1], "6");
}

TEST_F(FakePrometheusApi, TimeParameterEvaluatesInThePast) {
  // One minute in, both exporters still answered.
  const json j = get_json("/api/v1/query?query=up&time=" + std::to_string(start_s_ + 60));
  ASSERT_EQ(j["data"]["result"].size(), 2u);
  for (const auto& r : j["data"]["result"]) EXPECT_EQ(r["value"][1], "1");
  EXPECT_DOUBLE_EQ(j["data"]["result"][0]["value"][0].get<double>(), static_cast<double>(start_s_ + 60));
}

TEST_F(FakePrometheusApi, ErrorBodiesMatchPrometheusExactly) {
  // [2.42✓] bodies from the reference, byte for byte.
  auto res = client_->Get("/api/v1/query");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body,
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: no expression found in input"})");
  res = client_->Get("/api/v1/query?query=up&time=abc");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body,
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a valid timestamp"})");
  res = client_->Get("/api/v1/query_range?query=up&start=0&end=20000&step=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body,
            R"X({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"})X");
}

TEST_F(FakePrometheusApi, ParseErrorsAreBadDataAndEvaluationErrorsAreExecution) {
  json j = get_json("/api/v1/query?query=up%7B", 400);
  EXPECT_EQ(j["errorType"], "bad_data");
  EXPECT_EQ(j["error"].get<std::string>().rfind("invalid parameter \"query\": ", 0), 0u);
  // Two series on each side matched on no labels: many-to-many, an execution error.
  j = get_json("/api/v1/query?query=up%20%2B%20on()%20up", 422);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["errorType"], "execution");
}

TEST_F(FakePrometheusApi, RangeQueriesReturnAMatrixWithOnePointPerStep) {
  const std::string q = "/api/v1/query_range?query=up&start=" + std::to_string(start_s_ + 300) +
                        "&end=" + std::to_string(start_s_ + 360) + "&step=15s";
  const json j = get_json(q);
  EXPECT_EQ(j["data"]["resultType"], "matrix");
  ASSERT_EQ(j["data"]["result"].size(), 2u);
  for (const auto& s : j["data"]["result"]) EXPECT_EQ(s["values"].size(), 5u);  // start and end inclusive
  get_json("/api/v1/query_range?query=up&start=10&end=20&step=0", 400);
  get_json("/api/v1/query_range?query=up&start=20&end=10&step=1", 400);
  get_json("/api/v1/query_range?query=up&end=10&step=1", 400);
}

// prometheus-api-client's get_target_metadata() sends these three; once a target had
// been scraped each of them crashed `failsim serve` (a dangling iteration over a
// temporary). 2.42 lists a target's metrics from its scrape cache, kept while it is down.
TEST_F(FakePrometheusApi, TargetMetadataListsEachScrapedTargetsMetrics) {
  const json all = get_json("/api/v1/targets/metadata");
  ASSERT_EQ(all["status"], "success") << all;
  std::set<std::string> instances;
  for (const auto& e : all["data"]) {
    instances.insert(e["target"]["instance"].get<std::string>());
    EXPECT_EQ(e["target"]["job"], "github-runner-health") << e;
    EXPECT_TRUE(e["type"].is_string() && e["help"].is_string() && e["unit"].is_string()) << e;
    EXPECT_NE(e["metric"], "up") << "up is not a scraped metric";
  }
  EXPECT_EQ(instances, (std::set<std::string>{"dell-r640-01:9101", "serotonin:9102"})) << all;
  const json one_metric = get_json("/api/v1/targets/metadata?metric=runner_status");
  ASSERT_EQ(one_metric["data"].size(), 2u) << one_metric;
  for (const auto& e : one_metric["data"]) {
    EXPECT_FALSE(e.contains("metric")) << "2.42 names the metric only when none was asked for: " << e;
    EXPECT_EQ(e["type"], "gauge");
  }
  const json one_target = get_json("/api/v1/targets/metadata?match_target=%7Binstance%3D%22dell-r640-01%3A9101%22%7D");
  ASSERT_FALSE(one_target["data"].empty());
  for (const auto& e : one_target["data"]) EXPECT_EQ(e["target"]["instance"], "dell-r640-01:9101");
  EXPECT_EQ(get_json("/api/v1/targets/metadata?match_target=up%7B", 400)["errorType"], "bad_data");
}

// What Grafana's Prometheus data source and prometheus-api-client call besides the
// queries, answered as Debian's 2.42 answers them (checked by hand against it:
// `prometheus --web.listen-address=127.0.0.1:19090`, 2026-12-07).
TEST_F(FakePrometheusApi, TheWebRootExemplarsAndTsdbStatusAreAnsweredAs242Does) {
  auto root = client_->Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/classic/graph");
  auto page = client_->Get("/classic/graph");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");

  EXPECT_EQ(get_json("/api/v1/query_exemplars?query=up")["data"], json::array()) << "no exemplars in the world";
  auto no_selector = client_->Get("/api/v1/query_exemplars?query=1%2B1");
  ASSERT_TRUE(no_selector);
  EXPECT_EQ(no_selector->status, 204);
  EXPECT_EQ(no_selector->body, "");
  const json empty = get_json("/api/v1/query_exemplars", 400);
  EXPECT_EQ(empty["errorType"], "bad_data");
  EXPECT_EQ(empty["error"], "1:1: parse error: no expression found in input");
  EXPECT_EQ(get_json("/api/v1/query_exemplars?query=up&start=10&end=5", 400)["error"],
            "end timestamp must not be before start timestamp");

  const json tsdb = get_json("/api/v1/status/tsdb");
  const json& head = tsdb["data"]["headStats"];
  EXPECT_GT(head["numSeries"].get<std::int64_t>(), 2) << tsdb;
  EXPECT_LE(head["minTime"].get<std::int64_t>(), head["maxTime"].get<std::int64_t>());
  EXPECT_GE(head["maxTime"].get<std::int64_t>() / 1000, start_s_ + 585) << "the last scrape: within 15 s of 10 minutes in";
  EXPECT_LE(head["maxTime"].get<std::int64_t>() / 1000, start_s_ + 600);
  // The top 10 by series count, largest first: ALERTS (pending and firing, 2 alerts) leads.
  const json& by_metric = tsdb["data"]["seriesCountByMetricName"];
  ASSERT_EQ(by_metric.size(), 10u) << tsdb;
  EXPECT_EQ(by_metric[0], json({{"name", "ALERTS"}, {"value", 4}})) << tsdb;
  for (std::size_t i = 1; i < by_metric.size(); ++i) EXPECT_LE(by_metric[i]["value"], by_metric[i - 1]["value"]) << i;
  for (const char* list : {"labelValueCountByLabelName", "memoryInBytesByLabelName", "seriesCountByLabelValuePair"}) {
    EXPECT_TRUE(tsdb["data"][list].is_array()) << list;
  }
}

TEST_F(FakePrometheusApi, TargetsShowTheStoppedExporterDown) {
  const json j = get_json("/api/v1/targets");
  ASSERT_EQ(j["data"]["activeTargets"].size(), 2u);
  bool saw = false;
  for (const auto& t : j["data"]["activeTargets"]) {
    EXPECT_EQ(t["scrapePool"], "github-runner-health");
    EXPECT_EQ(t["scrapeInterval"], "15s");
    EXPECT_EQ(t["scrapeTimeout"], "10s");
    if (t["labels"]["instance"] == "serotonin:9102") {
      saw = true;
      EXPECT_EQ(t["health"], "down");
      EXPECT_FALSE(t["lastError"].get<std::string>().empty());
      EXPECT_EQ(t["scrapeUrl"], "http://serotonin:9102/metrics");
    } else {
      EXPECT_EQ(t["health"], "up");
      EXPECT_EQ(t["lastError"], "");
    }
  }
  EXPECT_TRUE(saw);
  EXPECT_EQ(get_json("/api/v1/targets?state=dropped")["data"]["activeTargets"].size(), 0u);
}

TEST_F(FakePrometheusApi, AlertsListTheFiringAlertWithExpandedAnnotations) {
  const json j = get_json("/api/v1/alerts");
  bool firing = false;
  for (const auto& a : j["data"]["alerts"]) {
    if (a["labels"]["alertname"] != "RunnerScrapeDown") continue;
    firing = true;
    EXPECT_EQ(a["state"], "firing");
    EXPECT_EQ(a["labels"]["instance"], "serotonin:9102");
    EXPECT_EQ(a["labels"]["severity"], "critical");
    EXPECT_EQ(a["annotations"]["summary"], "Prometheus cannot scrape serotonin:9102");
    EXPECT_EQ(a["value"], "0e+00");
    EXPECT_EQ(a["activeAt"].get<std::string>().back(), 'Z');
  }
  EXPECT_TRUE(firing);
}

TEST_F(FakePrometheusApi, RulesShowStatesAndFilterByType) {
  json j = get_json("/api/v1/rules");
  ASSERT_EQ(j["data"]["groups"].size(), 1u);
  const json& g = j["data"]["groups"][0];
  EXPECT_EQ(g["name"], "github_runner_health");
  EXPECT_EQ(g["interval"], 15.0);
  bool found = false;
  for (const auto& r : g["rules"]) {
    // The corrected rules record runner:service_active for their flapping alert.
    EXPECT_EQ(r["type"], r["name"] == "runner:service_active" ? "recording" : "alerting");
    EXPECT_EQ(r["health"], "ok");
    if (r["name"] == "RunnerScrapeDown") {
      found = true;
      EXPECT_EQ(r["state"], "firing");
      EXPECT_EQ(r["duration"], 120.0);
      EXPECT_EQ(r["query"], "up{job=\"github-runner-health\"} == 0");
      EXPECT_EQ(r["annotations"]["summary"], "Prometheus cannot scrape {{ $labels.instance }}");  // unexpanded
      EXPECT_EQ(r["alerts"].size(), 1u);
    }
  }
  EXPECT_TRUE(found);
  const json record = get_json("/api/v1/rules?type=record");
  ASSERT_EQ(record["data"]["groups"].size(), 1u);
  ASSERT_EQ(record["data"]["groups"][0]["rules"].size(), 1u);
  EXPECT_EQ(record["data"]["groups"][0]["rules"][0]["name"], "runner:service_active");
  EXPECT_EQ(record["data"]["groups"][0]["rules"][0]["query"], "max without (active_state) (runner_status)");
  const json alerting = get_json("/api/v1/rules?type=alert");
  for (const auto& r : alerting["data"]["groups"][0]["rules"]) EXPECT_EQ(r["type"], "alerting");
  get_json("/api/v1/rules?type=bogus", 400);
}

TEST_F(FakePrometheusApi, HealthReadinessAndUnknownPaths) {
  auto res = client_->Get("/-/healthy");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "Prometheus Server is Healthy.\n");
  res = client_->Head("/-/healthy");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
  res = client_->Get("/-/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "Prometheus Server is Ready.\n");
  res = client_->Get("/api/v1/no_such_endpoint");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "404 page not found\n");
}

TEST_F(FakePrometheusApi, MalformedAndOversizedRequestsGet4xxAndServingGoesOn) {
  EXPECT_EQ(testing::raw_exchange(server_.port(), "NOT HTTP AT ALL\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  const std::string big = "query=" + std::string(2 << 20, '1');  // a 2 MiB form body
  const std::string reply = testing::raw_exchange(
      server_.port(), "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 80);
  EXPECT_EQ(get_json("/api/v1/query?query=up")["status"], "success");
}

TEST_F(FakePrometheusApi, AStoppedWorldAnswersUnavailableAndNotReady) {
  loop_->stop();
  const json j = get_json("/api/v1/query?query=up", 503);
  EXPECT_EQ(j["errorType"], "unavailable");
  auto res = client_->Get("/-/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("X-Prometheus-Stopping"), "true");
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// Hostile requests (issue 17): a range over the whole int64 span used to wrap and loop
// for ever; a timestamp past int64 milliseconds used to overflow; a query that is not
// UTF-8 used to be a 500 with nlohmann's exception text. All are 400 bad_data now, and
// the server keeps answering.
TEST_F(FakePrometheusApi, HostileRangesTimesAndBytesAreBadDataAndTheServerKeepsAnswering) {
  json j = get_json("/api/v1/query_range?query=up&start=-9.2e12&end=9.2e12&step=1", 400);
  EXPECT_EQ(j["error"], "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  j = get_json("/api/v1/query_range?query=up&start=-9.2e15&end=9.2e15&step=1", 400);
  EXPECT_EQ(j["error"], "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"-9.2e15\" to a valid timestamp");
  j = get_json("/api/v1/query?query=up&time=1e300", 400);
  EXPECT_EQ(j["errorType"], "bad_data");
  j = get_json("/api/v1/query?query=up%7Bjob%3D%22%FF%FE%22%7D", 400);
  EXPECT_EQ(j, json::parse(R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": not valid UTF-8"})"));
  j = get_json("/api/v1/query?query=up%7Bjob%3D~%22x*%2B%2B%2B%2B%2B%2B%22%7D", 400);
  EXPECT_NE(j["error"].get<std::string>().find("error parsing regexp"), std::string::npos) << j.dump();
  j = get_json("/api/v1/query?query=up");
  EXPECT_EQ(j["status"], "success");
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// A range query slow enough to hold the engine thread for many seconds without limits:
// 11,000 steps (the most a range may have), each evaluating 1,000 selectors over every series.
std::string heavy_range_form(const std::string& extra) {
  std::string chain = "nope";
  for (int i = 1; i < 250; ++i) chain += "+nope";
  const std::string q = "((" + chain + ")+(" + chain + "))+((" + chain + ")+(" + chain + "))";
  return "query=" + httplib::detail::encode_query_param(q) + "&start=0&end=10999&step=1" + extra;
}

// Prometheus's `timeout` parameter (capped by --query.timeout, default 2m; at live speed
// S, timeout / S of wall-clock time) stops a query with errorType timeout, 503
// (web/api/v1/api.go); the world answers the next query at once.
TEST_F(FakePrometheusApi, AQueryPastItsTimeoutIs503TimeoutAndTheWorldKeepsAnswering) {
  EXPECT_EQ(live_.world.prometheus().config().query_timeout, 2min);
  const auto t0 = std::chrono::steady_clock::now();
  auto res = client_->Post("/api/v1/query_range", heavy_range_form("&timeout=100ms"), "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(json::parse(res->body),
            json::parse(R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})"));
  EXPECT_EQ(get_json("/api/v1/query?query=count(up)")["data"]["result"][0]["value"][1], "2");
  const json bad = get_json("/api/v1/query?query=up&timeout=soon", 400);
  EXPECT_EQ(bad["error"], "invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration");
}

// The same query at speed 1e15: --query.timeout's 2 minutes are 0.12 ns of wall-clock
// time, so the deadline has passed at the first check. A query running when the world
// stops (Ctrl-C) is cancelled at once rather than holding the engine thread.
TEST_F(FakePrometheusApi, TheTimeoutIsVirtualTimeAndAStoppingWorldCancelsAQuery) {
  httplib::Params params;
  httplib::detail::parse_query_text(heavy_range_form(""), params);
  const std::optional<ApiReply> fast = loop_->call([&] {
    return render_query_range(live_.world.prometheus(), params, LiveQuery{1e15, {}});
  });
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->status, 503);
  EXPECT_NE(fast->body.find("\"errorType\":\"timeout\""), std::string::npos) << fast->body;
  std::optional<httplib::Result> slow;
  std::chrono::steady_clock::time_point answered;
  std::thread client([&] {
    auto c = testing::client_for(server_);
    c->set_read_timeout(60s);
    slow.emplace(c->Post("/api/v1/query_range", heavy_range_form(""), "application/x-www-form-urlencoded"));
    answered = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(500ms);
  const auto stopped = std::chrono::steady_clock::now();
  loop_->stop();
  client.join();
  ASSERT_TRUE(slow && *slow);
  EXPECT_GT(answered, stopped) << "the query finished before the stop: make it heavier";
  EXPECT_LT(answered - stopped, 1s);
  EXPECT_EQ((*slow)->status, 503) << (*slow)->body;
}

}  // namespace
}  // namespace failsim::fakes
