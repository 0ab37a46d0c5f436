#!/usr/bin/env bash
# A team's health gate, as teams write it: ask Prometheus for the runner's own status
# series (its exporter reports 1 while the runner service is up) and let the deploy
# through unless it says 0.
#
#   check-runner.sh HOSTNAME        exit 0: healthy, deploy here; exit 1: do not
#
# PROMETHEUS_URL comes from the environment (a workflow's env, or failsim).
set -euo pipefail
host="$1"
answer=$(curl -sS --max-time 5 "${PROMETHEUS_URL}/api/v1/query" \
  --data-urlencode "query=runner_status{hostname=\"${host}\"}")
value=$(jq -r '.data.result[0].value[1] // empty' <<<"$answer")
if [ "$value" != "1" ]; then # fixed: no series is not healthy either
  echo "${host}: not healthy (runner_status=${value:-no series})"
  exit 1
fi
echo "${host}: healthy (runner_status=${value:-no series})"
