#!/usr/bin/env python3
"""An independent re-implementation of `failsim compare`'s numbers, for its test.

Reads two results.json files and prints, as JSON, for each matched row and metric:
base, new, diff and the 95 % interval, computed here from the runs with the
definitions in reports/stats.h and reports/compare.h (written from those comments,
not from the C++): nearest-rank percentiles, Wilson and Newcombe (method 10) score
intervals, and a splitmix64-seeded percentile bootstrap. Standard library only.
"""
import json
import math
import sys

Z = 1.959963984540054
MASK = (1 << 64) - 1


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def rank(q, n):
    scaled = round(q * n * 1e9) / 1e9
    return min(max(math.ceil(scaled), 1), n)


def stat(values, q):
    if q == 0:
        return sum(values) / len(values)
    s = sorted(values)
    return s[rank(q, len(s)) - 1]


def wilson(k, n):
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z / denom * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(kb, nb, kn, nn):
    lb, ub = wilson(kb, nb)
    ln, un = wilson(kn, nn)
    pb, pn = kb / nb, kn / nn
    d = pn - pb
    return d - math.sqrt((pn - ln) ** 2 + (ub - pb) ** 2), d + math.sqrt((un - pn) ** 2 + (pb - lb) ** 2)


def bootstrap_difference(base, new, q, resamples, seed):
    rng = SplitMix64(seed)
    diffs = []
    for _ in range(resamples):
        a = [base[rng.next() % len(base)] for _ in base]
        b = [new[rng.next() % len(new)] for _ in new]
        diffs.append(stat(b, q) - stat(a, q))
    diffs.sort()
    lo = math.floor(0.025 * resamples) + 1
    hi = math.ceil(0.975 * resamples)
    return diffs[lo - 1], diffs[hi - 1]


def rows(path):
    out = {}
    for s in json.load(open(path))["scenarios"]:
        runs = s["runs"]
        violated = 0
        for r in runs:
            known = r.get("known_violations", [])
            if any(ok is False and name not in known for name, ok in r["invariants"].items()):
                violated += 1
        out[(s["name"], s["policy"], s.get("variant", ""))] = {
            "n": len(runs),
            "deployed": sum(1 for r in runs if r["outcome"] == "deployed"),
            "detection": [r["detection_seconds"] for r in runs if r["detection_seconds"] is not None],
            "fired": sum(1 for r in runs if r.get("firing_seconds", r["detection_seconds"]) is not None),
            "deploy": [r["deploy_seconds"] for r in runs if r["deploy_seconds"] is not None],
            "attempts": [float(r["attempts"]) for r in runs],
            "violated": violated,
        }
    return out


def main():
    base_path, new_path, resamples, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    base, new = rows(base_path), rows(new_path)
    result = []
    for key, n in new.items():
        b = base.get(key)
        if b is None:
            continue
        label = key[0] + " / " + key[1] + (" · " + key[2] if key[2] else "")
        metrics = {}
        for name, kb, kn in (("deploy_success", b["deployed"], n["deployed"]),
                             ("alert_fired", b["fired"], n["fired"]),
                             ("invariant_violations", b["violated"], n["violated"])):
            lo, hi = newcombe(kb, b["n"], kn, n["n"])
            metrics[name] = {"base": kb / b["n"], "new": kn / n["n"], "diff": kn / n["n"] - kb / b["n"], "ci95": [lo, hi]}
        for name, field, q in (("detection_p50", "detection", 0.5), ("detection_p95", "detection", 0.95),
                               ("deploy_p50", "deploy", 0.5), ("deploy_p95", "deploy", 0.95),
                               ("attempts_mean", "attempts", 0)):
            if not b[field] or not n[field]:
                metrics[name] = None
                continue
            s = fnv1a64(label + "|" + name) ^ seed
            lo, hi = bootstrap_difference(b[field], n[field], q, resamples, s)
            metrics[name] = {"base": stat(b[field], q), "new": stat(n[field], q),
                             "diff": stat(n[field], q) - stat(b[field], q), "ci95": [lo, hi]}
        result.append({"scenario": key[0], "policy": key[1], "variant": key[2], "metrics": metrics})
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
