#!/usr/bin/python3
"""Exports the small transformer models of Kiln's end-to-end tests with
PyTorch (Debian's python3-torch 1.13) and saves PyTorch's own outputs as the
reference. The outputs are committed; the tests do not need torch.

    /usr/bin/python3 test/models/gen_torch_models.py [NAME...]

Every model is written in plain torch, following the Hugging Face
implementations of BERT, GPT-2, DistilBERT and Llama, with random weights
from a fixed seed. For each model NAME this writes NAME.onnx, NAME.in*.npy
(inputs, in graph order) and NAME.out*.npy (PyTorch's outputs).
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------- BERT --
class BertLayer(nn.Module):
    def __init__(self, h, heads, ffn):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.q, self.k, self.v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.o, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.fc1, self.fc2, self.ln2 = nn.Linear(h, ffn), nn.Linear(ffn, h), nn.LayerNorm(h, eps=1e-12)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.dh).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + ext_mask
        ctx = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(x.shape)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x))))


class TinyBert(nn.Module):
    def __init__(self, vocab=1000, h=128, layers=2, heads=4, ffn=512, pos=64):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, h), nn.Embedding(pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(h, heads, ffn) for _ in range(layers))
        self.pool = nn.Linear(h, h)

    def forward(self, input_ids, attention_mask, token_type_ids):
        pos = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.token_type(token_type_ids))
        ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, ext)
        return x, torch.tanh(self.pool(x[:, 0]))


# ---------------------------------------------------------------- GPT-2 --
class Conv1D(nn.Module):
    """GPT-2's transposed linear layer; exports as Gemm."""

    def __init__(self, nx, nf):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = nn.Parameter(torch.randn(nf) * 0.02)

    def forward(self, x):
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.view(-1, x.shape[-1]), self.weight).view(shape)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Block(nn.Module):
    def __init__(self, h, heads, ctx):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.ln1, self.ln2 = nn.LayerNorm(h), nn.LayerNorm(h)
        self.attn, self.proj = Conv1D(h, 3 * h), Conv1D(h, h)
        self.fc, self.out = Conv1D(h, 4 * h), Conv1D(4 * h, h)
        self.register_buffer("bias", torch.tril(torch.ones(ctx, ctx, dtype=torch.bool)).view(1, 1, ctx, ctx))

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.attn(self.ln1(x)).split(h, dim=2)
        q, k, v = (t.view(b, s, self.heads, self.dh).permute(0, 2, 1, 3) for t in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        causal = self.bias[:, :, :s, :s]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        a = torch.matmul(w.softmax(-1), v).permute(0, 2, 1, 3).contiguous().view(b, s, h)
        x = x + self.proj(a)
        return x + self.out(gelu_new(self.fc(self.ln2(x))))


class TinyGPT2(nn.Module):
    def __init__(self, vocab=500, h=64, layers=2, heads=4, ctx=64):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, h), nn.Embedding(ctx, h)
        self.blocks = nn.ModuleList(GPT2Block(h, heads, ctx) for _ in range(layers))
        self.ln_f = nn.LayerNorm(h)

    def forward(self, input_ids):
        pos = torch.arange(0, input_ids.shape[-1], dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        return torch.matmul(self.ln_f(x), self.wte.weight.t())


class GPT2PastBlock(GPT2Block):
    """GPT-2 attention with a KV cache, as Hugging Face's GPT2Attention: new
    keys/values are concatenated to the past ones and returned as present."""

    def forward(self, x, past_k, past_v):
        b, s, h = x.shape
        q, k, v = self.attn(self.ln1(x)).split(h, dim=2)
        q, k, v = (t.view(b, s, self.heads, self.dh).permute(0, 2, 1, 3) for t in (q, k, v))
        k, v = torch.cat((past_k, k), dim=-2), torch.cat((past_v, v), dim=-2)
        t = k.shape[-2]
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        causal = self.bias[:, :, t - s:t, :t]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        a = torch.matmul(w.softmax(-1), v).permute(0, 2, 1, 3).contiguous().view(b, s, h)
        x = x + self.proj(a)
        return x + self.out(gelu_new(self.fc(self.ln2(x)))), k, v


class TinyGPT2Past(nn.Module):
    def __init__(self, vocab=500, h=64, layers=2, heads=4, ctx=64):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, h), nn.Embedding(ctx, h)
        self.blocks = nn.ModuleList(GPT2PastBlock(h, heads, ctx) for _ in range(layers))
        self.ln_f = nn.LayerNorm(h)

    def forward(self, input_ids, pk0, pv0, pk1, pv1):
        past = pk0.shape[-2]
        pos = torch.arange(past, past + input_ids.shape[-1], dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        presents = []
        for blk, (pk, pv) in zip(self.blocks, ((pk0, pv0), (pk1, pv1))):
            x, k, v = blk(x, pk, pv)
            presents += [k, v]
        return (torch.matmul(self.ln_f(x), self.wte.weight.t()), *presents)


# ------------------------------------------------- scaled_dot_product_attention --
class SdpaBertLayer(BertLayer):
    """BERT attention spelled as torch 2's exporter writes
    scaled_dot_product_attention at opset 14: sqrt(scale) multiplies q and
    k^T before the product (torch 1.13 has no SDPA to export)."""

    def forward(self, x, ext_mask):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        root = math.sqrt(1.0 / math.sqrt(self.dh))
        scores = torch.matmul(q * root, k.transpose(-2, -1) * root) + ext_mask
        ctx = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3).contiguous()
        x = self.ln1(x + self.o(ctx.view(x.shape)))
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x))))


class TinySdpaBert(TinyBert):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.layers = nn.ModuleList(SdpaBertLayer(128, 4, 512) for _ in range(2))


# ----------------------------------------------------------- DistilBERT --
class DistilLayer(nn.Module):
    def __init__(self, h, heads, ffn):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.sa_ln, self.out_ln = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.lin1, self.lin2 = nn.Linear(h, ffn), nn.Linear(ffn, h)

    def forward(self, x, mask):
        bs, s, h = x.shape
        shape = lambda t: t.view(bs, -1, self.heads, self.dh).transpose(1, 2)
        q = shape(self.q(x)) / math.sqrt(self.dh)
        k, v = shape(self.k(x)), shape(self.v(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        m = (mask == 0).view(bs, 1, 1, s).expand_as(scores)
        scores = scores.masked_fill(m, torch.tensor(torch.finfo(scores.dtype).min))
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), v)
        ctx = ctx.transpose(1, 2).contiguous().view(bs, -1, h)
        x = self.sa_ln(self.o(ctx) + x)
        return self.out_ln(self.lin2(F.gelu(self.lin1(x))) + x)


class TinyDistilBert(nn.Module):
    def __init__(self, vocab=800, h=64, layers=2, heads=4, ffn=256, pos=64):
        super().__init__()
        self.word, self.pos = nn.Embedding(vocab, h), nn.Embedding(pos, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(DistilLayer(h, heads, ffn) for _ in range(layers))

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        x = self.ln(self.word(input_ids) + self.pos(pos))
        for layer in self.layers:
            x = layer(x, attention_mask)
        return x


# ---------------------------------------------------------------- Llama --
class RMSNorm(nn.Module):
    def __init__(self, h, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1.0 + 0.1 * torch.randn(h)), eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, h, heads, kv_heads, ffn):
        super().__init__()
        self.heads, self.kv, self.dh = heads, kv_heads, h // heads
        self.q = nn.Linear(h, heads * self.dh, bias=False)
        self.k = nn.Linear(h, kv_heads * self.dh, bias=False)
        self.v = nn.Linear(h, kv_heads * self.dh, bias=False)
        self.o = nn.Linear(heads * self.dh, h, bias=False)
        self.gate, self.up = nn.Linear(h, ffn, bias=False), nn.Linear(h, ffn, bias=False)
        self.down = nn.Linear(ffn, h, bias=False)
        self.n1, self.n2 = RMSNorm(h), RMSNorm(h)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        y = self.n1(x)
        q = self.q(y).view(b, s, self.heads, self.dh).transpose(1, 2)
        k = self.k(y).view(b, s, self.kv, self.dh).transpose(1, 2)
        v = self.v(y).view(b, s, self.kv, self.dh).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv  # grouped-query attention: repeat K/V heads
        k = k[:, :, None].expand(b, self.kv, rep, s, self.dh).reshape(b, self.heads, s, self.dh)
        v = v[:, :, None].expand(b, self.kv, rep, s, self.dh).reshape(b, self.heads, s, self.dh)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.dh) + mask
        a = torch.matmul(w.softmax(-1), v).transpose(1, 2).reshape(b, s, -1)
        x = x + self.o(a)
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class TinyLlama(nn.Module):
    def __init__(self, vocab=512, h=64, layers=2, heads=4, kv_heads=2, ffn=172, ctx=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, h)
        self.blocks = nn.ModuleList(LlamaBlock(h, heads, kv_heads, ffn) for _ in range(layers))
        self.norm, self.head = RMSNorm(h), nn.Linear(h, vocab, bias=False)
        dh = h // heads
        inv = 1.0 / (10000 ** (torch.arange(0, dh, 2).float() / dh))
        freqs = torch.outer(torch.arange(ctx).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None])
        self.register_buffer("sin", emb.sin()[None, None])

    def forward(self, input_ids):
        s = input_ids.shape[1]
        x = self.embed(input_ids)
        mask = torch.full((s, s), float("-inf")).triu(1)[None, None]
        cos, sin = self.cos[:, :, :s], self.sin[:, :, :s]
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        return self.head(self.norm(x))


# --------------------------------------------------------------- export --
def export(name, model, inputs, input_names, output_names, opset):
    model.eval()
    with torch.no_grad():
        outs = model(*inputs)
    if isinstance(outs, torch.Tensor):
        outs = (outs,)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, tuple(inputs), path, input_names=input_names,
                      output_names=output_names, opset_version=opset,
                      do_constant_folding=True)
    for i, t in enumerate(inputs):
        np.save(os.path.join(OUT, "%s.in%d.npy" % (name, i)), t.numpy())
    for i, t in enumerate(outs):
        np.save(os.path.join(OUT, "%s.out%d.npy" % (name, i)), t.numpy())
    print("wrote", path, "opset", opset)


def main(only=None):
    want = lambda name: only is None or name in only
    seq = 16
    if want("gpt2_past_tiny_opset14"):
        torch.manual_seed(4)
        gp = TinyGPT2Past()
        past = [torch.randn(1, 4, 3, 16) for _ in range(4)]
        export("gpt2_past_tiny_opset14", gp, [torch.randint(0, 500, (1, 2))] + past,
               ["input_ids", "past_key_0", "past_value_0", "past_key_1", "past_value_1"],
               ["logits", "present_key_0", "present_value_0", "present_key_1", "present_value_1"], 14)
    if want("bert_sdpa_tiny_opset14"):
        torch.manual_seed(5)
        sb = TinySdpaBert()
        sids = torch.randint(0, 1000, (1, seq))
        smask = torch.ones(1, seq, dtype=torch.long)
        smask[0, 13:] = 0
        export("bert_sdpa_tiny_opset14", sb, [sids, smask, torch.zeros(1, seq, dtype=torch.long)],
               ["input_ids", "attention_mask", "token_type_ids"],
               ["last_hidden_state", "pooler_output"], 14)
    if only is not None:
        return
    torch.manual_seed(0)
    bert = TinyBert()
    ids = torch.randint(0, 1000, (1, seq))
    mask = torch.ones(1, seq, dtype=torch.long)
    mask[0, 12:] = 0  # padding at the end
    types = torch.zeros(1, seq, dtype=torch.long)
    types[0, 7:] = 1
    for opset in (14, 17):
        export("bert_tiny_opset%d" % opset, bert, [ids, mask, types],
               ["input_ids", "attention_mask", "token_type_ids"],
               ["last_hidden_state", "pooler_output"], opset)

    torch.manual_seed(1)
    gpt2 = TinyGPT2()
    export("gpt2_tiny_opset14", gpt2, [torch.randint(0, 500, (1, seq))], ["input_ids"],
           ["logits"], 14)

    torch.manual_seed(2)
    distil = TinyDistilBert()
    dmask = torch.ones(1, seq, dtype=torch.long)
    dmask[0, 10:] = 0
    export("distilbert_tiny_opset17", distil, [torch.randint(0, 800, (1, seq)), dmask],
           ["input_ids", "attention_mask"], ["last_hidden_state"], 17)

    torch.manual_seed(3)
    llama = TinyLlama()
    lids = torch.randint(0, 512, (1, seq))
    for opset in (14, 17):
        export("llama_tiny_opset%d" % opset, llama, [lids], ["input_ids"], ["logits"], opset)


if __name__ == "__main__":
    import sys
    main(set(sys.argv[1:]) or None)  # names: regenerate only those models
