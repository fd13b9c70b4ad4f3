#!/usr/bin/env bash
# Exports a BERT-base (bench/gen_bert_base.py, needs python3-torch), compiles
# it with the graph optimizer, prints the compile report (fusions per layer,
# memory) and checks the outputs against PyTorch's within 1e-4.
#
#   bench/check_bert_base.sh [WORK_DIR] [SEQ]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/bench/bert_base}
seq=${2:-128}
bin=${KILN_BUILD_DIR:-$root/build}/bin
mkdir -p "$work"
if [[ ! -f "$work/bert_base.out0.npy" ]]; then
  /usr/bin/python3 "$root/bench/gen_models.py" "$work" --seq "$seq" bert_base
fi
/usr/bin/time -f "compile: %e s, %M KiB peak" "$bin/kilnc" --dim batch=1 --dim sequence="$seq" \
  --report --report-file="$work/report.txt" "$work/bert_base.onnx" -o "$work/bert_base.so"
sed -n '/^fused/,/^    /p;/^not fused/,$p' "$work/report.txt"
"$bin/kiln-run" "$work/bert_base.so" \
  -i "$work/bert_base.in0.npy" -i "$work/bert_base.in1.npy" -i "$work/bert_base.in2.npy" \
  -e "$work/bert_base.out0.npy" -e "$work/bert_base.out1.npy"
