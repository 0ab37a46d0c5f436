#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and runs each one,
# seeded from the shipped files, for RUNS executions (default 1000000) or, with
# --seconds S, for S seconds each. Prints each target's executions, execs/s and coverage
# (libFuzzer's cov: edges and ft: features); a crash, timeout or sanitizer report stops
# with the reproducer saved in build/fuzz/findings/.
# Usage: scripts/fuzz.sh [RUNS] | scripts/fuzz.sh --seconds S   [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-runs=1000000)
if [[ ${1:-} == --seconds ]]; then
  limit=(-max_total_time="$2"); shift 2
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  limit=(-runs="$1"); shift
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(duration promql policy rule_file world slo scenario query_response http plan import_prometheus import_workflow results cli_strings proxy_framing)
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (apt-get install clang)" >&2; exit 2; }
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target $(printf 'failsim_fuzz_%s ' "${targets[@]}")
work=build/fuzz/work
mkdir -p build/fuzz/findings
for t in "${targets[@]}"; do
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t"
  case $t in  # the first corpus: fuzz/corpus/NAME, or the shipped files the target reads
    policy) src=(scenarios/policies/*.json examples/team-gate/policy.json) ;;
    rule_file) src=(scenarios/rules/*.yml) ;;
    world) src=(worlds/*.json) ;;
    slo) src=(scenarios/slos/*.json) ;;
    scenario) src=(scenarios/*.json) ;;
    plan) src=(scenarios/gamedays/*.json) ;;
    import_prometheus) src=(tests/harness/inputs/import/acme/prometheus.yml tests/harness/inputs/import/paws360-prometheus.yml tests/harness/inputs/import/k8s/prometheus.yml) ;;
    import_workflow) src=(tests/harness/inputs/import/acme/deploy.yml tests/harness/inputs/import/paws360-ci.yml examples/workflows/*.yml fuzz/corpus/workflow/*.yml) ;;
    *) src=(fuzz/corpus/"$t"/*) ;;
  esac
  i=0  # numbered: two seeds may share a file name (prometheus.yml)
  for f in "${src[@]}"; do i=$((i + 1)); cp "$f" "$work/$t/$i-$(basename "$f")"; done
  max_len=65536
  [[ $t == duration ]] && max_len=64
  [[ $t == promql ]] && max_len=8192   # room for 256 levels of nesting and more
  [[ $t == http ]] && max_len=16384
  [[ $t == cli_strings ]] && max_len=256
  [[ $t == proxy_framing ]] && max_len=16384
  echo "== fuzz $t (${limit[*]}, -max_len=$max_len)"
  ./build/fuzz/fuzz/failsim_fuzz_"$t" "${limit[@]}" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/findings/"$t"- -print_final_stats=1 "$work/$t" 2>&1 | tee "build/fuzz/$t.log" |
    grep -E "^#[0-9]+[[:space:]]+(DONE|INITED)|^stat::(number_of_executed_units|average_exec_per_sec)|ERROR|SUMMARY" || true
  if grep -qE "ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:" "build/fuzz/$t.log"; then
    echo "fuzz: $t found a problem; see build/fuzz/$t.log and build/fuzz/findings/" >&2
    exit 1
  fi
done
