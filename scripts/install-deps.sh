#!/usr/bin/env bash
# Installs, with apt, whatever of failsim's build and test dependencies is missing.
# Idempotent: when every package is already installed it prints one line and changes nothing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

usage="usage: install-deps.sh [--build | --runtime]
  (none)     everything: build, tests (Prometheus, Chromium, gh, Node.js) and benchmarks
  --build    what building and running failsim needs, no test tools (the GitHub Action)
  --runtime  only the shared libraries a built failsim (or its .deb) runs with"
mode=all
case "${1:-}" in
  "") ;;
  --build) mode=build ;;
  --runtime) mode=runtime ;;
  -h|--help) echo "$usage"; exit 0 ;;
  *) echo "install-deps: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
esac

# The libraries failsim links (ldd harness/failsim): the same names on Debian 12 and
# Ubuntu 22.04/24.04 except where noted below.
runtime_packages=(libyaml-cpp0.7 libcpp-httplib0.11 libssl3 zlib1g libbrotli1 libre2-9 libstdc++6)
build_packages=(
  cmake ninja-build g++ pkg-config git ccache
  libboost-dev libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev
  libcli11-dev libyaml-cpp-dev libssl-dev zlib1g-dev libre2-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus   # ships promtool and the real Prometheus, the oracles of the integration tests
  prometheus-alertmanager  # the real Alertmanager 0.25, the oracle of the routing differential test
  chromium     # headless: the HTML report test loads report.html in a real browser
  poppler-utils  # pdftotext: the report test reads the first page of report.html printed to PDF
  curl jq      # the failsim serve test and the README examples call the live endpoints with them
  gh           # the GitHub CLI, pointed at failsim serve --tls in the real-client tests
  python3-jsonschema python3-yaml  # schema test; the Action test reads action.yml and the example workflows
  python3-github  # PyGithub 1.55, a real client of the fake GitHub API (run with /usr/bin/python3)
)
case $mode in
  runtime) packages=("${runtime_packages[@]}") ;;
  build) packages=("${build_packages[@]}") ;;
  all) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
esac

# Node.js and npm run the real-client tests (Octokit, the Toxiproxy client): Debian's
# packages unless a Node.js with its npm is already installed (e.g. NodeSource's).
if [[ $mode == all ]] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then packages+=(nodejs npm); fi

# The npm packages those tests use, exactly as tests/package-lock.json pins them; again
# only when missing or older than the lockfile.
install_npm_packages() {
  [[ $mode == all ]] || return 0
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests"
  if [[ -f $dir/node_modules/.package-lock.json && $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
    echo "install-deps: npm packages of tests/ present"
    return
  fi
  echo "install-deps: npm ci in tests/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_npm_packages
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
install_npm_packages
echo "install-deps: done"
