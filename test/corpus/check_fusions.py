#!/usr/bin/python3
"""Compiles each listed model with the graph optimizer and checks what fused.

Usage: check_fusions.py --kilnc PATH --kiln-run PATH --expect FILE --root DIR
                        [--numerics] [--work DIR]

FILE lists one model per line: `path | op=N, op=N, !op`. After optimization
(`kilnc --emit=kiln --report=json`) the kiln IR must hold exactly N of each
named op and none of each `!op`. The expectations follow what ONNX
Runtime's own fusion tests assert for these graphs (see the comments in FILE).

With --numerics each model is also compiled at -O0 (no graph optimizer) and
-O2, run on seeded random inputs, and the two outputs compared within 5e-5
(absolute, plus 5e-5 relative): fusion must not change the results. A wrong
fusion is off by far more; two correct fp32 summation orders are not:
stories260K's logits differ by up to 2e-5 between -O0 and -O2, and each is
1.2-1.6e-5 from ONNX Runtime's (every other graph here agrees within 8e-6).
Models with float16 outputs are compared within 2^-8 instead (8
half-precision ulps): their unfused form rounds every intermediate to
float16, the fused op rounds once, so the two differ by float16 rounding,
not by a wrong fusion.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

ONNX_TO_NUMPY = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.FLOAT16: np.float16,
    onnx.TensorProto.DOUBLE: np.float64, onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32, onnx.TensorProto.BOOL: np.bool_,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT8: np.int8,
}


def parse_expect(path):
    entries = []
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        model, _, spec = line.partition("|")
        want, absent = {}, []
        for item in filter(None, (s.strip() for s in spec.split(","))):
            if item.startswith("!"):
                absent.append(item[1:])
            else:
                op, _, n = item.partition("=")
                want[op.strip()] = int(n)
        entries.append((model.strip(), want, absent))
    return entries


def random_inputs(model_path, work, tag):
    """Seeded inputs for the graph inputs that are not initializers; unknown
    dims are 1, as kilnc's default."""
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    rng = np.random.default_rng(0)
    files = []
    for k, vi in enumerate(i for i in m.graph.input if i.name not in inits):
        tt = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1
                 for d in tt.shape.dim]
        dtype = ONNX_TO_NUMPY[tt.elem_type]
        if np.issubdtype(dtype, np.floating):
            a = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            a = np.ones(shape, dtype)
        else:
            # ids and masks: 1 is a valid token id and keeps every position
            a = np.ones(shape, dtype)
        f = os.path.join(work, "%s.in%d.npy" % (tag, k))
        np.save(f, a)
        files.append(f)
    return files


def tolerance(model_path):
    """5e-5 for full-precision outputs; 2^-8 when an output is float16."""
    m = onnx.load(model_path, load_external_data=False)
    half = any(o.type.tensor_type.elem_type == onnx.TensorProto.FLOAT16 for o in m.graph.output)
    return "%g" % (2.0 ** -8 if half else 5e-5)


def check(args, model, want, absent):
    path = os.path.join(args.root, model)
    tag = model.replace("/", "_").replace(".onnx", "")
    report = os.path.join(args.work, tag + ".json")
    p = subprocess.run([args.kilnc, "--emit=kiln", "-o", os.devnull, "--report=json",
                        "--report-file=" + report, path], capture_output=True, text=True)
    if p.returncode != 0:
        return "%s: kilnc failed: %s" % (model, p.stderr.strip()[-300:])
    ops = json.load(open(report))["ops_optimized"]
    problems = []
    for op, n in want.items():
        if ops.get("kiln." + op, 0) != n:
            problems.append("%s=%d (want %d)" % (op, ops.get("kiln." + op, 0), n))
    for op in absent:
        if ops.get("kiln." + op, 0):
            problems.append("%d %s remain" % (ops["kiln." + op], op))
    if problems:
        return "%s: %s" % (model, "; ".join(problems))
    if not args.numerics:
        return None
    libs = {}
    for level in ("0", "2"):
        lib = os.path.join(args.work, "%s.O%s.so" % (tag, level))
        p = subprocess.run([args.kilnc, "-O" + level, path, "-o", lib, "--name=m"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return "%s: -O%s compile failed: %s" % (model, level, p.stderr.strip()[-300:])
        libs[level] = lib
    ins = random_inputs(path, args.work, tag)
    outdir = os.path.join(args.work, tag + ".O0.out")
    os.makedirs(outdir, exist_ok=True)
    cmd = [args.kiln_run, libs["0"], "--name=m", "--save-outputs=" + outdir]
    for f in ins:
        cmd += ["-i", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return "%s: -O0 run failed: %s" % (model, (p.stdout + p.stderr).strip()[-300:])
    outs = sorted(f for f in os.listdir(outdir) if f.startswith("output_"))
    tol = tolerance(path)
    cmd = [args.kiln_run, libs["2"], "--name=m", "--atol=" + tol, "--rtol=" + tol]
    for f in ins:
        cmd += ["-i", f]
    for f in sorted(outs, key=lambda s: int(s[7:-4])):
        cmd += ["-e", os.path.join(outdir, f)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return "%s: -O2 differs from -O0: %s" % (model, (p.stdout + p.stderr).strip()[-400:])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--numerics", action="store_true")
    ap.add_argument("--work")
    args = ap.parse_args()
    args.work = args.work or tempfile.mkdtemp(prefix="kiln-fusions-")
    os.makedirs(args.work, exist_ok=True)
    entries = parse_expect(args.expect)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda e: check(args, *e), entries))
    failures = [r for r in results if r]
    for f in failures:
        print("FAIL " + f)
    print("fusions as expected: %d/%d%s" % (len(entries) - len(failures), len(entries),
                                            ", numerics -O0 == -O2" if args.numerics else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
