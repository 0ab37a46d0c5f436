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
[[ ${#targets[@]} -gt 0 ]] || targets=(duration promql policy rule_file world slo)
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (apt-get install clang)" >&2; exit 2; }
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target $(printf 'failsim_fuzz_%s ' "${targets[@]}")
work=build/fuzz/work
mkdir -p build/fuzz/findings
seed() {  # seed NAME FILE...: the shipped files as the target's first corpus
  mkdir -p "$work/$1"
  shift_name=$1; shift
  for f in "$@"; do cp "$f" "$work/$shift_name/seed-$(basename "$f")"; done
}
for t in "${targets[@]}"; do
  rm -rf "${work:?}/$t"
  case $t in
    duration) mkdir -p "$work/$t"; for d in 0 90s 1h30m 15s 2m 500ms 366d 1y2w3d4h5m6s7ms8us; do printf '%s' "$d" > "$work/$t/seed-$d"; done ;;
    promql) mkdir -p "$work/$t"; i=0
            grep -h "expr:" scenarios/rules/*.yml | sed 's/^ *expr: *//' | while IFS= read -r q; do printf '%s' "$q" > "$work/$t/seed-rule-$((i++))"; done
            python3 -c "import json,glob
for n,f in enumerate(sorted(glob.glob('scenarios/policies/*.json'))):
  for k,c in enumerate(json.load(open(f)).get('gate',{}).get('checks',[])): open('$work/$t/seed-check-%d-%d'%(n,k),'w').write(c['query'])" ;;
    policy) seed "$t" scenarios/policies/*.json ;;
    rule_file) seed "$t" scenarios/rules/*.yml ;;
    world) seed "$t" worlds/*.json ;;
    slo) seed "$t" scenarios/slos/*.json ;;
  esac
  max_len=65536
  [[ $t == duration ]] && max_len=64
  [[ $t == promql ]] && max_len=8192   # room for 256 levels of nesting and more
  echo "== fuzz $t (${limit[*]}, -max_len=$max_len)"
  ./build/fuzz/fuzz/failsim_fuzz_"$t" "${limit[@]}" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/findings/"$t"- -print_final_stats=1 "$work/$t" 2>&1 | tee "build/fuzz/$t.log" |
    grep -E "^#[0-9]+ +(DONE|INITED)|^stat::|ERROR|SUMMARY" || true
  if grep -qE "ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:" "build/fuzz/$t.log"; then
    echo "fuzz: $t found a problem; see build/fuzz/$t.log and build/fuzz/findings/" >&2
    exit 1
  fi
done
