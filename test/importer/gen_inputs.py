#!/usr/bin/python3
"""Writes the small .onnx files the importer lit tests read (test/importer/Inputs).

Run with Debian's python3-onnx: /usr/bin/python3 test/importer/gen_inputs.py
The outputs are committed; rerun this script only to change them.
"""
import os
import random

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")
rng = np.random.default_rng(1234)


def save(model, name, check=True):
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def model(nodes, inputs, outputs, inits=(), opset=17, extra_opsets=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(g, opset_imports=ops, producer_name="kiln-tests")
    m.ir_version = 8
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def weight(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


F = TensorProto.FLOAT
I64 = TensorProto.INT64


def unsorted():
    # Consumers come before producers in the file, as some exporters write.
    nodes = [
        helper.make_node("Relu", ["t1"], ["y"], name="last"),
        helper.make_node("Mul", ["t0", "x"], ["t1"], name="middle"),
        helper.make_node("Add", ["x", "x"], ["t0"], name="first"),
    ]
    save(model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 3])]), "unsorted.onnx", check=False)


def external_data():
    w = weight("w", [16, 8])
    m = model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
              [vi("x", F, [1, 16])], [vi("y", F, [1, 8])], [w])
    onnx.save(m, os.path.join(OUT, "external_data.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="external_data.bin", size_threshold=0)
    # The same model pointing at a data file that is too short.
    bad = onnx.load(os.path.join(OUT, "external_data.onnx"), load_external_data=False)
    for kv in bad.graph.initializer[0].external_data:
        if kv.key == "location":
            kv.value = "external_data_short.bin"
    with open(os.path.join(OUT, "external_data_short.bin"), "wb") as f:
        f.write(b"\0" * 100)
    onnx.save(bad, os.path.join(OUT, "external_data_short.onnx"))


def dynamic_dims():
    nodes = [helper.make_node("Add", ["x", "b"], ["y"], name="add")]
    save(model(nodes, [vi("x", F, ["batch", "seq", 8]), vi("b", F, [8])],
               [vi("y", F, ["batch", "seq", 8])]), "dynamic_dims.onnx")


def unsupported():
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Relu", ["x"], ["r"], name="fine"),
        helper.make_node("Gelu", ["r"], ["g"], name="bad_gelu", approximate="cubic"),
        helper.make_node("Frobnicate", ["g"], ["f"], name="custom", domain="com.example"),
        helper.make_node("Add", ["c", "f"], ["y"], name="after_failures"),
    ]
    w = weight("w", [1, 1, 1, 1])
    save(model(nodes, [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 1, 4, 4])], [w], opset=20,
               extra_opsets=[("com.example", 1)]), "unsupported.onnx", check=False)


def broken_graphs():
    missing = model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="reads_nothing")],
                    [vi("x", F, [2])], [vi("y", F, [2])])
    save(missing, "missing_input.onnx", check=False)
    cycle = model([helper.make_node("Add", ["x", "b"], ["a"], name="cyc_a"),
                   helper.make_node("Relu", ["a"], ["b"], name="cyc_b"),
                   helper.make_node("Relu", ["x"], ["y"], name="ok")],
                  [vi("x", F, [2])], [vi("y", F, [2])])
    save(cycle, "cycle.onnx", check=False)
    short = numpy_helper.from_array(np.zeros((4, 4), dtype=np.float32), "w")
    short.raw_data = b"\0" * 10  # the shape needs 64 bytes
    short_model = model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                        [vi("x", F, [1, 4])], [vi("y", F, [1, 4])], [short])
    save(short_model, "short_initializer.onnx", check=False)
    strings = model([helper.make_node("Identity", ["s"], ["y"], name="id")],
                    [vi("s", TensorProto.STRING, [2])], [vi("y", TensorProto.STRING, [2])])
    save(strings, "string_input.onnx", check=False)
    # A valid model cut short, and bytes that are no model at all.
    full = os.path.join(OUT, "shape_arith.onnx")
    data = open(full, "rb").read()
    open(os.path.join(OUT, "truncated.onnx"), "wb").write(data[: len(data) // 2])
    rnd = random.Random(42)
    open(os.path.join(OUT, "random_bytes.onnx"), "wb").write(
        bytes(rnd.randrange(256) for _ in range(4096)))


def shape_arith():
    # The torch.onnx pattern: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    c = lambda name, v: helper.make_node("Constant", [], [name], name=name,
                                         value=numpy_helper.from_array(np.array(v, dtype=np.int64)))
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        c("i0", 0), c("i1", 1), c("heads", [4]), c("minus1", [-1]), c("ax", [0]),
        helper.make_node("Gather", ["s", "i0"], ["b"], name="g0", axis=0),
        helper.make_node("Gather", ["s", "i1"], ["t"], name="g1", axis=0),
        helper.make_node("Unsqueeze", ["b", "ax"], ["b1"], name="u0"),
        helper.make_node("Unsqueeze", ["t", "ax"], ["t1"], name="u1"),
        helper.make_node("Concat", ["b1", "t1", "heads", "minus1"], ["shape4"], name="cat", axis=0),
        helper.make_node("Reshape", ["x", "shape4"], ["r"], name="split_heads"),
        helper.make_node("Transpose", ["r"], ["y"], name="tr", perm=[0, 2, 1, 3]),
    ]
    save(model(nodes, [vi("x", F, ["batch", "seq", 32])], [vi("y", F, ["batch", 4, "seq", 8])], opset=14),
         "shape_arith.onnx")


def squeeze_opsets():
    n11 = [helper.make_node("Squeeze", ["x"], ["y"], name="sq", axes=[0])]
    save(model(n11, [vi("x", F, [1, 3])], [vi("y", F, [3])], opset=11), "squeeze11.onnx")
    axes = numpy_helper.from_array(np.array([0], dtype=np.int64), "axes")
    n13 = [helper.make_node("Squeeze", ["x", "axes"], ["y"], name="sq")]
    save(model(n13, [vi("x", F, [1, 3])], [vi("y", F, [3])], [axes], opset=13), "squeeze13.onnx")


def softmax_opsets():
    for opset in (11, 13):
        nodes = [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)]
        save(model(nodes, [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])], opset=opset),
             "softmax%d.onnx" % opset)


def microsoft_fused():
    h, n = 16, 2
    inits = [weight("gamma", [h]), weight("beta", [h]), weight("qkv_w", [h, 3 * h]),
             weight("qkv_b", [3 * h]), weight("fc_b", [h])]
    ms = "com.microsoft"
    nodes = [
        helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta"], ["ln"],
                         name="skip_ln", domain=ms, epsilon=1e-12),
        helper.make_node("Attention", ["ln", "qkv_w", "qkv_b", "mask"], ["att"], name="attn",
                         domain=ms, num_heads=n),
        helper.make_node("FastGelu", ["att", "fc_b"], ["y"], name="gelu", domain=ms),
    ]
    save(model(nodes, [vi("x", F, [1, 4, h]), vi("skip", F, [1, 4, h]),
                       vi("mask", TensorProto.INT32, [1, 4])], [vi("y", F, [1, 4, h])], inits,
               opset=14, extra_opsets=[(ms, 1)]), "ms_fused.onnx", check=False)


def attention23():
    nodes = [helper.make_node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "pk_out", "pv_out"],
                              name="attn", q_num_heads=4, kv_num_heads=2, is_causal=1)]
    save(model(nodes, [vi("q", F, [1, 3, 32]), vi("k", F, [1, 3, 16]), vi("v", F, [1, 3, 16]),
                       vi("pk", F, [1, 2, 5, 8]), vi("pv", F, [1, 2, 5, 8])],
               [vi("y", F, [1, 3, 32]), vi("pk_out", F, [1, 2, 8, 8]), vi("pv_out", F, [1, 2, 8, 8])],
               opset=23), "attention23.onnx", check=False)


def quant():
    u8, i8 = TensorProto.UINT8, TensorProto.INT8
    w = numpy_helper.from_array(rng.integers(-64, 64, size=(8, 4)).astype(np.int8), "w")
    scale = numpy_helper.from_array(np.array(0.05, dtype=np.float32), "scale")
    zp = numpy_helper.from_array(np.array(128, dtype=np.uint8), "zp")
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"], name="dq"),
        helper.make_node("MatMulInteger", ["xq", "w", "xz"], ["acc"], name="mmi"),
        helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["q"], name="quant"),
        helper.make_node("DequantizeLinear", ["q", "scale", "zp"], ["y"], name="dequant"),
    ]
    save(model(nodes, [vi("x", F, [2, 8])], [vi("acc", TensorProto.INT32, [2, 4]), vi("y", F, [2, 8])],
               [w, scale, zp], opset=13), "quant.onnx")


def einsum():
    w = weight("w", [2, 4, 6])
    nodes = [helper.make_node("Einsum", ["x", "w"], ["y"], name="proj", equation="abcd,cde->abe")]
    save(model(nodes, [vi("x", F, [1, 3, 2, 4])], [vi("y", F, [1, 3, 6])], [w], opset=12),
         "einsum.onnx")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    unsorted()
    external_data()
    dynamic_dims()
    unsupported()
    shape_arith()
    broken_graphs()
    squeeze_opsets()
    softmax_opsets()
    microsoft_fused()
    attention23()
    quant()
    einsum()
