// Reading Prometheus instant-query answers (shapes from
// ../shared/reference/github-prometheus-semantics.md, B4: envelope, vector and scalar
// results, values as strings, error types with their HTTP codes).
#include "failover/prometheus_response.h"

#include <gtest/gtest.h>

#include <cmath>

namespace failsim::failover {
namespace {

using Kind = QueryOutcome::Kind;

TEST(PrometheusResponse, VectorValueEmptyAndScalar) {
  auto o = parse_query_response(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"runner_status","hostname":"Serotonin"},"value":[1795758421.326,"1"]},
      {"metric":{"__name__":"runner_status","hostname":"dell"},"value":[1795758421.326,"0"]}]}})");
  EXPECT_EQ(o.kind, Kind::kValue);
  EXPECT_EQ(o.value, 1.0) << "result[0], as the as-built jq reads it";
  EXPECT_EQ(o.samples, 2u);
  o = parse_query_response(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_EQ(o.kind, Kind::kEmpty);
  o = parse_query_response(200, R"({"status":"success","data":{"resultType":"scalar","result":[1795758421.326,"4"]}})");
  EXPECT_EQ(o.kind, Kind::kValue);
  EXPECT_EQ(o.value, 4.0);
  o = parse_query_response(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})");
  EXPECT_TRUE(std::isnan(o.value));
  o = parse_query_response(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}})");
  EXPECT_TRUE(std::isinf(o.value));
}

TEST(PrometheusResponse, EveryFailureIsAQueryErrorInPlainWords) {
  struct Case {
    int status;
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: no expression found in input"})",
       "HTTP 400 (bad_data: invalid parameter \"query\""},
      {422, R"({"status":"error","errorType":"execution","error":"boom"})", "HTTP 422 (execution: boom)"},
      {503, "Service Unavailable", "HTTP 503"},
      {500, "", "HTTP 500"},
      {200, R"({"status":"error","errorType":"timeout","error":"query timed out"})", "Prometheus error: timeout: query timed out"},
      {200, "<html>proxy</html>", "malformed JSON"},
      {200, R"({"data":{}})", "no \"status\" field"},
      {200, R"({"status":"success"})", "no data.resultType"},
      {200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})", "unexpected result type \"matrix\""},
      {200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x1"]}]}})", "malformed"},
      {200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})", "malformed"},
  };
  for (const auto& c : cases) {
    const auto o = parse_query_response(c.status, c.body);
    EXPECT_EQ(o.kind, Kind::kError) << c.body;
    EXPECT_NE(o.error.find(c.error), std::string::npos) << "got: " << o.error;
  }
}

}  // namespace
}  // namespace failsim::failover
