#!/usr/bin/env bash
# The stories260K reference: ONNX Runtime's logits for a fixed prompt.
#   bench/setup-ort.sh && test/models/gen_stories_reference.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# Token ids of a llama2.c story opening (BOS + 15 tokens of the 512-token vocab).
/usr/bin/python3 -c "
import numpy as np
np.save('$here/stories260K.in0.npy', np.array([[1, 403, 407, 261, 378, 395, 6, 261, 425, 289, 270, 379, 264, 259, 473, 292]], dtype=np.int64))"
NODE_PATH="$root/bench/node_modules" node "$root/bench/ort_reference.js" \
  "$root/test/corpus/stories260K/stories260K_nopast.onnx" "$here/stories260K" "$here/stories260K.in0.npy"
