#!/usr/bin/env python3
"""Doc tests: every console example in README.md and docs/*.md is run, and every output
line it shows must still be printed.

A console example is a fenced block whose info string is `console`. In it, a line that
starts with "$ " is a command (a trailing backslash continues it on the next line); any
other non-empty line is output the command before it printed; a line "..." stands for
output left out. The console examples of one file run in order in one bash, as a reader
following along would type them (a variable, a `cd` or a background server carries on
to the next example), in a scratch directory that holds symlinks to the checkout's
top-level folders (so `scenarios/...` works and outputs land in the scratch directory),
with `failsim` on PATH being the build under test. A command ending in " &" runs in the
background and is stopped (SIGINT) when the file ends. Each command's output (stdout and
stderr) is kept; each shown line must appear in the output of its command (for a
background command, by the end of the file).

Before comparing, both sides are normalised: the scratch directory's and the checkout's
paths read ".",
loopback ports read PORT, numbers with three or more decimals (wall-clock seconds) read
N.N, and the counts of a command-check summary read N. Nothing else is loosened.

Usage: doc_examples.py [--show] SOURCE_DIR FAILSIM_BINARY [FILE...]   (default: README.md docs/*.md)
--show prints what each command printed (normalised), to write or refresh an example.
Exit 0 when every block passes; 1 with each mismatch named by file:line. A command
("$ ...") shown in a fenced block of another language is itself a failure: every command
the docs show is run.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

FILE_TIMEOUT_S = 900


def blocks_of(path):
    """(start line, [(line number, text)]) of each console block, and the line numbers of
    commands ("$ ...") shown in other fenced blocks, which would go untested."""
    out, cur, start, lang, stray = [], None, 0, None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if lang is None:
                if line.strip().startswith("```"):
                    lang, cur, start = line.strip()[3:], [], n
            elif line.strip() == "```":
                if lang == "console":
                    out.append((start, cur))
                lang = None
            elif lang == "console":
                cur.append((n, line))
            elif line.startswith("$ "):
                stray.append(n)
    return out, stray


def parse(block):
    """[(line, command, background, [(line, expected)])]."""
    steps, pending = [], None
    for n, line in block:
        if pending is not None:
            pending[1] += "\n" + line
            if not line.endswith("\\"):
                steps.append([pending[0], pending[1], []])
                pending = None
            continue
        if line.startswith("$ "):
            cmd = line[2:]
            if cmd.endswith("\\"):
                pending = [n, cmd]
            else:
                steps.append([n, cmd, []])
        elif line.strip() and line.strip() != "..." and steps:
            steps[-1][2].append((n, line))
    return [(n, cmd, cmd.rstrip().endswith(" &"), expected) for n, cmd, expected in steps]


def normalise(text, work, src=""):
    text = text.replace(os.path.realpath(work), ".").replace(work, ".")
    if src:
        text = text.replace(src, ".")
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\b\d+\.\d{3,}\b", "N.N", text)
    text = re.sub(r"\d+ calls, \d+ run as processes, \d+ reused", "N calls, N run as processes, N reused", text)
    return text


SHOW = False


def run_block(src, binary, doc, start, steps):
    work = tempfile.mkdtemp(prefix="failsim-doc-")
    try:
        for entry in os.listdir(src):
            if entry.startswith(".") or entry in ("build", "out"):
                continue
            os.symlink(os.path.join(src, entry), os.path.join(work, entry))
        bindir = os.path.join(work, ".bin")
        os.mkdir(bindir)
        os.symlink(binary, os.path.join(bindir, "failsim"))
        script = ["set -m", f"export PATH={bindir}:$PATH", f"cd {work}"]
        for i, (n, cmd, background, _) in enumerate(steps):
            outfile = os.path.join(work, f".out{i}")
            if background:
                script.append(f"{{ {cmd.rstrip()[:-1]} ; }} > {outfile} 2>&1 &")
            else:
                script.append(f"{{ {cmd}\n}} > {outfile} 2>&1")
        script.append("for p in $(jobs -p); do kill -INT -$p 2>/dev/null; done; wait")
        env = dict(os.environ, LANG="C.UTF-8", TZ="UTC")
        env.pop("GITHUB_ACTIONS", None)
        env.pop("GITHUB_STEP_SUMMARY", None)
        env.pop("GITHUB_OUTPUT", None)
        try:
            subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, timeout=FILE_TIMEOUT_S,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return [f"{doc}:{start}: its examples did not finish within {FILE_TIMEOUT_S} s"]
        failures = []
        outputs = []
        for i in range(len(steps)):
            with open(os.path.join(work, f".out{i}"), encoding="utf-8", errors="replace") as f:
                outputs.append(normalise(f.read(), work, src))
        for i, (n, cmd, background, expected) in enumerate(steps):
            # What the reader saw after typing the command: its own output, and whatever
            # the background commands started before it printed.
            printed = outputs[i] + "".join(outputs[k] for k in range(i) if steps[k][2])
            if SHOW:
                print(f"--- {doc}:{n}: $ {cmd}\n{outputs[i]}")
            for line_no, line in expected:
                if normalise(line, work, src) not in printed:
                    failures.append(f"{doc}:{line_no}: `{cmd.splitlines()[0]}` no longer prints:\n    {line}\n"
                                    f"  it printed:\n" + "\n".join("    " + l for l in outputs[i].splitlines()[:60]))
        return failures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    global SHOW
    args = sys.argv[1:]
    if args and args[0] == "--show":
        SHOW, args = True, args[1:]
    src, binary = os.path.realpath(args[0]), os.path.realpath(args[1])
    files = args[2:] or ["README.md"] + sorted(os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "docs", "*.md")))
    failures, blocks, commands = [], 0, 0
    for doc in files:
        steps = []
        found, stray = blocks_of(os.path.join(src, doc))
        for n in stray:
            failures.append(f"{doc}:{n}: a command outside a console block (it would never be run): show it in a ```console block")
        for start, block in found:
            these = parse(block)
            if not these:
                failures.append(f"{doc}:{start}: a console block without a command")
                continue
            blocks += 1
            steps += these
        if steps:
            commands += len(steps)
            failures += run_block(src, binary, doc, steps[0][0], steps)
    for f in failures:
        print("FAIL " + f)
    print(f"doc examples: {blocks} blocks, {commands} commands in {len(files)} files; {len(failures)} failure(s)")
    return 1 if failures or blocks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
