#!/usr/bin/python3
"""Runs ONNX backend node tests through kilnc and kiln-run.

Usage: run_node_tests.py --kilnc PATH --kiln-run PATH [--known FILE] DIR...

Each DIR holds test folders (model.onnx + test_data_set_0/). For each test:
kilnc compiles model.onnx to a shared library, and kiln-run runs it on
input_N.pb and compares with output_N.pb (|got - want| <= atol + rtol*|want|).

  passed       compiled and every output matched
  unsupported  kilnc rejected the model as using something Kiln does not
               support (an op, an attribute, a data-dependent shape)
  failed       anything else: a compile error on a supported model, a wrong
               output, a crash or a hang

Tests listed in --known are expected to fail, each with a reason; the run
fails on any other failure, and on a listed test that now passes (so the
list stays true).
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

import onnx

# kilnc messages that mean "not supported" rather than "broken".
UNSUPPORTED = ("unsupported op", "is not supported", "are not supported",
               "must be an integer constant at compile time", "must be constants",
               "must be a constant", "which Kiln does not support",
               "has a dynamic shape", "needs static shapes", "data-dependent")


def input_shapes(test_dir):
    """--input-shape flags from the test's own input tensors: a model may
    declare symbolic or even different dims than its test data has."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    flags = []
    for k, n in enumerate(names):
        path = os.path.join(test_dir, "test_data_set_0", "input_%d.pb" % k)
        if not os.path.exists(path):
            continue
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        dims = "x".join(str(d) for d in t.dims) if len(t.dims) else "scalar"
        flags.append("--input-shape=%s=%s" % (n, dims))
    return flags


def run_test(args, test_dir, work):
    name = os.path.basename(test_dir.rstrip("/"))
    so = os.path.join(work, name + ".so")
    try:
        shapes = input_shapes(test_dir)
    except Exception as e:  # a model onnx cannot read is kilnc's to report
        shapes = []
    try:
        c = subprocess.run([args.kilnc, os.path.join(test_dir, "model.onnx"), "-o", so,
                            "--header", os.path.join(work, name + ".h")] + shapes,
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return name, "failed", "kilnc hung"
    if c.returncode != 0:
        errors = [l for l in c.stderr.splitlines() if "error:" in l]
        if c.returncode == 1 and errors and all(any(u in e for u in UNSUPPORTED) for e in errors):
            return name, "unsupported", errors[0].split("error: ", 1)[-1]
        detail = errors[0] if errors else c.stderr.strip()[-300:]
        return name, "failed", "kilnc exit %d: %s" % (c.returncode, detail)
    data = os.path.join(test_dir, "test_data_set_0")
    try:
        r = subprocess.run([args.kiln_run, so, "--test-data", data, "--atol", str(args.atol),
                            "--rtol", str(args.rtol)],
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return name, "failed", "kiln-run hung"
    if r.returncode == 0:
        return name, "passed", ""
    bad = [l for l in (r.stdout + r.stderr).splitlines() if "FAIL" in l or "error" in l]
    return name, "failed", "kiln-run exit %d: %s" % (r.returncode, bad[0] if bad else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--known")
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--filter", default="", help="only tests whose name contains this")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    tests = []
    for d in args.dirs:
        if not os.path.isdir(d):
            print("error: %s does not exist (install libonnx-testdata?)" % d)
            return 1
        for t in sorted(os.listdir(d)):
            full = os.path.join(d, t)
            if args.filter in t and os.path.exists(os.path.join(full, "model.onnx")) and \
                    os.path.isdir(os.path.join(full, "test_data_set_0")):
                tests.append(full)
    known = {}
    if args.known:
        for line in open(args.known):
            line = line.strip()
            if line and not line.startswith("#"):
                n, _, why = line.partition("|")
                known[n.strip()] = why.strip()

    work = tempfile.mkdtemp(prefix="kiln-node-tests-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda t: run_test(args, t, work), tests))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    counts = {"passed": 0, "failed": 0, "unsupported": 0}
    problems = []
    for name, status, detail in results:
        counts[status] += 1
        if args.verbose and status != "passed":
            print("%s %s: %s" % (status, name, detail))
        if status == "failed" and name not in known:
            problems.append("FAILED %s: %s" % (name, detail))
        if status == "passed" and name in known:
            problems.append("now passes (remove it from the known failures): %s" % name)
    listed_failures = sum(1 for n, s, _ in results if s == "failed" and n in known)
    print("node tests: %d passed, %d failed (%d known), %d unsupported, of %d" %
          (counts["passed"], counts["failed"], listed_failures, counts["unsupported"], len(results)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
