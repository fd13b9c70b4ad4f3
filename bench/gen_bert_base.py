#!/usr/bin/python3
"""Exports a BERT-base-sized model (12 layers, hidden 768, 12 heads, FFN 3072,
vocab 30522; ~440 MB of fp32 weights, random, seeded) with torch.onnx.export at
opset 14, for the import/compile time and memory measurements.

    /usr/bin/python3 bench/gen_bert_base.py OUT_DIR [SEQ]

Writes OUT_DIR/bert_base.onnx (too big to commit), one input set and
PyTorch's outputs for it (bert_base.in*.npy, bert_base.out*.npy).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "models"))
from gen_torch_models import TinyBert  # noqa: E402  (same module, full size)


def main():
    out = sys.argv[1]
    seq = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = TinyBert(vocab=30522, h=768, layers=12, heads=12, ffn=3072, pos=512).eval()
    ids = torch.randint(0, 30522, (1, seq))
    mask = torch.ones(1, seq, dtype=torch.long)
    types = torch.zeros(1, seq, dtype=torch.long)
    path = os.path.join(out, "bert_base.onnx")
    torch.onnx.export(model, (ids, mask, types), path, opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"},
                                    "token_type_ids": {0: "batch", 1: "sequence"}})
    for i, t in enumerate((ids, mask, types)):
        np.save(os.path.join(out, "bert_base.in%d.npy" % i), t.numpy())
    with torch.no_grad():
        for i, t in enumerate(model(ids, mask, types)):
            np.save(os.path.join(out, "bert_base.out%d.npy" % i), t.numpy())
    print(path, os.path.getsize(path) // (1 << 20), "MiB")


if __name__ == "__main__":
    main()
