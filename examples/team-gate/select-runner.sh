#!/usr/bin/env bash
# A team's target selection, as teams write it: ask GitHub which runners are online and
# deploy to the first candidate that is (in the order given), idle or not.
#
#   select-runner.sh "CANDIDATE..."   prints the chosen runner's name; exit 1: none
#
# GITHUB_API_URL, GITHUB_TOKEN and GITHUB_REPOSITORY come from the environment (a
# workflow's, or failsim's).
set -euo pipefail
runners=$(curl -sS --max-time 5 -H "Authorization: Bearer ${GITHUB_TOKEN}" \
  "${GITHUB_API_URL}/repos/${GITHUB_REPOSITORY}/actions/runners?per_page=100")
for name in $1; do
  status=$(jq -r --arg n "$name" '.runners[] | select(.name == $n) | .status' <<<"$runners")
  if [ "$status" = "online" ]; then
    echo "$name"
    exit 0
  fi
  echo "$name is ${status:-not registered}" >&2
done
echo "no candidate is online" >&2
exit 1
