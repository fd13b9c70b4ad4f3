#!/usr/bin/env bash
# Kiln vs ONNX Runtime on BERT-base, DistilBERT and GPT-2 small (fp32, batch
# 1, sequence 128) with 1 and 2 threads, plus the GEMM kernel against the
# machine's FMA peak, and what ONNX Runtime's node binding adds to its
# times. Everything runs on this machine, interleaved, in one go; paste the
# output, not numbers from separate runs.
#
#   bench/run.sh [--models "bert_base distilbert gpt2_small"] [--threads 1,2]
#                [--rounds 10] [--runs 5] [--seq 128]
#
# --seq exports the models at another sequence length (into
# build/bench/models-seqN; 128, the default, uses build/bench/models).
#
# Needs a build (scripts/build.sh), python3-torch to export the models the
# first time (into build/bench/models), and Node.js for ONNX Runtime
# (bench/setup-ort.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
bin=$build/bin
work=$build/bench/models
models="bert_base distilbert gpt2_small"
threads=1,2
rounds=10
runs=5
seq=128
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seq) seq=$2; shift 2 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ $seq =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/run.sh: --seq takes a positive length, not '$seq'" >&2
  exit 2
fi
[[ $seq == 128 ]] || work=$work-seq$seq
"$root/bench/setup-ort.sh" >/dev/null
mkdir -p "$work"

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Flags)' | sed 's/^Flags:.*\(avx512f\).*/Flags: ... avx512f .../' | cut -c1-100
echo
echo "== GEMM kernel"
gemm=$("$bin/kiln-gemm-bench" --rounds 15)
echo "$gemm"
peak=$(sed -n 's/^FMA peak: \([0-9.]*\).*/\1/p' <<<"$gemm")

for m in $models; do
  if [[ ! -f "$work/$m.onnx" ]]; then
    echo "== exporting $m"
    /usr/bin/python3 "$root/bench/gen_models.py" --seq "$seq" "$work" "$m"
  fi
  inputs=$(ls "$work/$m".in*.npy | sort)
  # Shapes from the input files, in case the export left dims symbolic.
  shapes=$(/usr/bin/python3 - "$work/$m.onnx" $inputs <<'PY'
import sys, numpy as np, onnx
m = onnx.load(sys.argv[1], load_external_data=False)
inits = {i.name for i in m.graph.initializer}
names = [i.name for i in m.graph.input if i.name not in inits]
print(",".join("%s=%s" % (n, "x".join(map(str, np.load(f).shape))) for n, f in zip(names, sys.argv[2:])))
PY
)
  "$bin/kilnc" --input-shape "$shapes" --report=json --report-file="$work/$m.report.json" \
    "$work/$m.onnx" -o "$work/$m.so"
  expected=$(ls "$work/$m".out*.npy | sort)
  echo
  echo "== $m"
  # Correct first: the outputs against PyTorch's. BERT and DistilBERT within
  # 1e-4. GPT-2's logits are 768-term dot products reaching |400|: float32
  # summation alone moves them by ~1e-4 (ONNX Runtime is up to 6.7e-4 from
  # PyTorch on this model), so they are checked within 3e-4 + 1e-4 relative.
  tol="--atol 1e-4"
  [[ $m == gpt2* ]] && tol="--atol 3e-4 --rtol 1e-4"
  "$bin/kiln-run" "$work/$m.so" $(printf -- '-i %s ' $inputs) $(printf -- '-e %s ' $expected) \
    $tol | sed 's/^/  /'
  flops=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['flops']['total'])" \
          "$work/$m.report.json")
  node "$root/bench/compare.js" --model "$work/$m.onnx" --kiln "$work/$m.so" \
    --kiln-run "$bin/kiln-run" --threads "$threads" --rounds "$rounds" --runs "$runs" \
    --flops "$flops" --peak "$peak" --label "$m$([[ $seq == 128 ]] || echo " (seq $seq)")" \
    --json "$work/$m.bench.json" $inputs
  node "$root/bench/ort_binding_cost.js" --model "$work/$m.onnx" --threads "$threads" \
    --runs "$rounds" --label "$m" --compare-json "$work/$m.bench.json" $inputs
done
