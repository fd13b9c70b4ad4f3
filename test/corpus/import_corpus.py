#!/usr/bin/python3
"""Imports every model of a corpus with kilnc and checks that none crashes.

Usage: import_corpus.py --kilnc PATH [--expect FILE] [--min-ok FRACTION]
                        [--unsupported-ok] [--root DIR] PATTERN...

Each model imports, is rejected with kilnc's clear error list (exit code 1),
or crashes/hangs. A crash or hang always fails the run. With --expect, a model
that is rejected must be listed there and a listed model must still fail;
with --unsupported-ok, rejections are counted as "unsupported" instead.
"""
import argparse
import concurrent.futures
import glob
import os
import subprocess
import sys


def run(kilnc, path, timeout):
    try:
        p = subprocess.run([kilnc, "--emit=mlir", "-o", os.devnull, path],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", "no result after %ds" % timeout
    errors = [l for l in p.stderr.splitlines() if "error:" in l]
    if p.returncode == 0:
        return "ok", ""
    if p.returncode == 1 and errors:
        return "rejected", errors[0]
    return "crash", "exit code %d: %s" % (p.returncode, p.stderr.strip()[-500:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--expect")
    ap.add_argument("--min-ok", type=float, default=0.0)
    ap.add_argument("--unsupported-ok", action="store_true")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("patterns", nargs="+")
    args = ap.parse_args()

    models = []
    for pat in args.patterns:
        found = sorted(glob.glob(os.path.join(args.root, pat)))
        if not found:
            print("error: no models match %s (is the corpus installed?)" % pat)
            return 1
        models += found
    expected = {}
    if args.expect:
        for line in open(args.expect):
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition("|")
                expected[name.strip()] = why.strip()

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda m: (m, run(args.kilnc, m, args.timeout)), models))

    counts = {"ok": 0, "rejected": 0, "crash": 0, "hang": 0}
    problems = []
    for path, (status, detail) in results:
        counts[status] += 1
        rel = os.path.relpath(path, args.root)
        if status in ("crash", "hang"):
            problems.append("%s: %s: %s" % (status.upper(), rel, detail))
        elif status == "rejected" and not args.unsupported_ok and rel not in expected:
            problems.append("unexpected failure: %s: %s" % (rel, detail))
        elif status == "ok" and rel in expected:
            problems.append("now imports (remove it from the expected failures): %s" % rel)

    total = len(models)
    label = "unsupported" if args.unsupported_ok else "rejected"
    print("imported %d/%d, %s %d, crashed %d, hung %d" %
          (counts["ok"], total, label, counts["rejected"], counts["crash"], counts["hang"]))
    if total and counts["ok"] / total < args.min_ok:
        problems.append("only %.1f%% imported; at least %.1f%% must" %
                        (100.0 * counts["ok"] / total, 100.0 * args.min_ok))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
