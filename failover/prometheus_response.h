// Reduces an answer of Prometheus's instant-query API (/api/v1/query) to a
// QueryOutcome, the way a health gate reads it: result[0]'s value, or "no series",
// or a query error. Pure: the HTTP exchange is the caller's.
//
//   HTTP 2xx, {"status":"success","data":{"resultType":"vector","result":[...]}}
//       -> kValue (result[0].value[1], parsed as a float: "NaN", "+Inf", "-Inf" too)
//          or kEmpty when result is []
//   resultType "scalar" -> kValue
//   HTTP >= 400 (as `curl -f` treats it), {"status":"error", ...}, a body that is not
//   JSON or lacks the fields above, or a "matrix"/"string" result -> kError, with
//   Prometheus's own errorType and error text when it sent them.
#pragma once

#include <string_view>

#include "failover/query.h"

namespace failsim::failover {

QueryOutcome parse_query_response(int http_status, std::string_view body);

}  // namespace failsim::failover
