#!/usr/bin/python3
"""Exports the benchmark models with torch.onnx.export (opset 14), seeded
random weights, batch 1 and sequence 128 (or SEQ), with one input set and
PyTorch's outputs for it:

  bert_base       BERT-base: 12 layers, hidden 768, 12 heads, FFN 3072,
                  vocab 30522 (~440 MB)
  distilbert      DistilBERT-size: 6 layers, hidden 768, 12 heads, FFN 3072
  gpt2_small      GPT-2 small: 12 layers, hidden 768, 12 heads, vocab 50257,
                  LM head tied to the token embedding

    /usr/bin/python3 bench/gen_models.py OUT_DIR [--seq SEQ] [NAME...]

Writes OUT_DIR/NAME.onnx, NAME.in*.npy and NAME.out*.npy. The models use the
same torch modules as the test models (test/models/gen_torch_models.py), at
full size. Too big to commit; bench/run.sh makes them when missing.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "models"))
from gen_torch_models import TinyBert, TinyDistilBert, TinyGPT2  # noqa: E402


def export(out, name, model, inputs, input_names, output_names):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, tuple(inputs), path, opset_version=14, input_names=input_names,
                      output_names=output_names, do_constant_folding=True)
    for i, t in enumerate(inputs):
        np.save(os.path.join(out, "%s.in%d.npy" % (name, i)), t.numpy())
    with torch.no_grad():
        outs = model(*inputs)
    for i, t in enumerate(outs if isinstance(outs, tuple) else (outs,)):
        np.save(os.path.join(out, "%s.out%d.npy" % (name, i)), t.numpy())
    print(path, os.path.getsize(path) // (1 << 20), "MiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("names", nargs="*", default=["bert_base", "distilbert", "gpt2_small"])
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    seq = a.seq
    if "bert_base" in a.names:
        torch.manual_seed(0)
        m = TinyBert(vocab=30522, h=768, layers=12, heads=12, ffn=3072, pos=512)
        ids = torch.randint(0, 30522, (1, seq))
        export(a.out, "bert_base", m,
               [ids, torch.ones(1, seq, dtype=torch.long), torch.zeros(1, seq, dtype=torch.long)],
               ["input_ids", "attention_mask", "token_type_ids"],
               ["last_hidden_state", "pooler_output"])
    if "distilbert" in a.names:
        torch.manual_seed(1)
        m = TinyDistilBert(vocab=30522, h=768, layers=6, heads=12, ffn=3072, pos=512)
        export(a.out, "distilbert", m,
               [torch.randint(0, 30522, (1, seq)), torch.ones(1, seq, dtype=torch.long)],
               ["input_ids", "attention_mask"], ["last_hidden_state"])
    if "gpt2_small" in a.names:
        torch.manual_seed(2)
        m = TinyGPT2(vocab=50257, h=768, layers=12, heads=12, ctx=1024)
        export(a.out, "gpt2_small", m, [torch.randint(0, 50257, (1, seq))], ["input_ids"],
               ["logits"])


if __name__ == "__main__":
    main()
