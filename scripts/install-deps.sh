#!/usr/bin/env bash
# Installs, with apt, whatever of failsim's build and test dependencies is missing.
# Idempotent: when every package is already installed it prints one line and changes nothing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev
  libcli11-dev libyaml-cpp-dev
  prometheus   # ships promtool and the real Prometheus, the oracles of the integration tests
  chromium     # headless: the HTML report test loads report.html in a real browser
  poppler-utils  # pdftotext: the report test reads the first page of report.html printed to PDF
  curl jq      # the failsim serve test and the README examples call the live endpoints with them
  python3-jsonschema  # the schema test checks every shipped world and scenario against its JSON Schema
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Debian's prometheus package would start a daemon where an init system runs; policy-rc.d
# forbids that while we install, so tests start their own instances on loopback ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [[ $created_policy -eq 1 ]]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
