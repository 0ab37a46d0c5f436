#!/usr/bin/env python3
"""The house's size limits (docs/development.md, "Layout"): no folder of the sources
(failover/, sim/, fakes/, harness/, reports/ and their subfolders, each counted by its own
files) holds more than 20 % of the source lines, and no source file (there, or in tests/,
bench/ or fuzz/) has more than 800 lines. Prints the largest rooms and files either way.

Usage: layout_limits.py SOURCE_DIR
"""
import os
import sys

SOURCE_ROOTS = ["failover", "sim", "fakes", "harness", "reports"]
ALL_ROOTS = SOURCE_ROOTS + ["tests", "bench", "fuzz"]
MAX_FOLDER_SHARE = 0.20
MAX_FILE_LINES = 800


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(1 for _ in f)


def sources(src, roots):
    for root in roots:
        for folder, _, names in os.walk(os.path.join(src, root)):
            for name in names:
                if name.endswith((".cc", ".h")):
                    yield folder, os.path.join(folder, name)


def main():
    src = os.path.realpath(sys.argv[1])
    by_folder, total = {}, 0
    for folder, path in sources(src, SOURCE_ROOTS):
        n = lines(path)
        total += n
        by_folder[os.path.relpath(folder, src)] = by_folder.get(os.path.relpath(folder, src), 0) + n
    failures = []
    for folder, n in sorted(by_folder.items(), key=lambda x: -x[1]):
        share = n / total
        if share > MAX_FOLDER_SHARE:
            failures.append(f"{folder}/ holds {n} of {total} source lines ({share:.1%}); at most {MAX_FOLDER_SHARE:.0%}: split it by concept")
    print("largest rooms: " + ", ".join(f"{f}/ {n} ({n / total:.1%})" for f, n in sorted(by_folder.items(), key=lambda x: -x[1])[:5]))
    files = sorted(((lines(p), os.path.relpath(p, src)) for _, p in sources(src, ALL_ROOTS)), reverse=True)
    for n, path in files:
        if n > MAX_FILE_LINES:
            failures.append(f"{path} has {n} lines; at most {MAX_FILE_LINES}: split it")
    print("largest files: " + ", ".join(f"{p} {n}" for n, p in files[:5]))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
