// RUN: kiln-opt %s --kiln-fuse-attention -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// Hugging Face BERT: heads split with Reshape/Transpose (keys straight to
// [B, H, D, S]), Div by sqrt(d), an additive mask, Softmax, MatMul.
// CHECK-LABEL: func.func @bert
// CHECK: %[[Q:.*]] = kiln.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
// CHECK: %[[V:.*]] = kiln.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
// CHECK: %[[K:.*]] = kiln.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
// CHECK: %[[A:.*]] = kiln.attention %[[Q]], %[[K]], %[[V]] mask(%arg3) scale = 0.353553385 :
// CHECK-NOT: kiln.softmax
// CHECK: kiln.transpose %[[A]] [0, 2, 1, 3]
// REMARK: remark: fused attention (additive-mask)
func.func @bert(%q: tensor<1x4x16xf32>, %k: tensor<1x4x16xf32>, %v: tensor<1x4x16xf32>,
                %mask: tensor<1x1x1x4xf32>) -> tensor<1x4x16xf32> {
  %c = kiln.constant dense<2.82842708> : tensor<f32>
  %q1 = kiln.reshape %q : tensor<1x4x16xf32> -> tensor<1x4x2x8xf32>
  %k1 = kiln.reshape %k : tensor<1x4x16xf32> -> tensor<1x4x2x8xf32>
  %v1 = kiln.reshape %v : tensor<1x4x16xf32> -> tensor<1x4x2x8xf32>
  %qh = kiln.transpose %q1 [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
  %kt = kiln.transpose %k1 [0, 2, 3, 1] : tensor<1x4x2x8xf32> -> tensor<1x2x8x4xf32>
  %vh = kiln.transpose %v1 [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
  %s = kiln.matmul %qh, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %s1 = kiln.div %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %s2 = kiln.add %s1, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = kiln.softmax %s2 axis = 3 : tensor<1x2x4x4xf32>
  %o = kiln.matmul %p, %vh : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = kiln.transpose %o [0, 2, 1, 3] : tensor<1x2x4x8xf32> -> tensor<1x4x2x8xf32>
  %o2 = kiln.reshape %o1 : tensor<1x4x2x8xf32> -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----

// DistilBERT: q divided before the product, Where(mask == 0, -max, scores)
// with the condition expanded to the scores' shape.
// CHECK-LABEL: func.func @distilbert
// CHECK: %[[KEEP:.*]] = kiln.not %{{.*}} : tensor<1x1x1x4xi1>
// CHECK: kiln.attention %arg0, %{{.*}}, %arg2 mask(%[[KEEP]]) scale = 0.353553385 :
// CHECK-NOT: kiln.softmax
// REMARK: remark: fused attention (bool-mask)
func.func @distilbert(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>,
                      %hide: tensor<1x1x1x4xi1>) -> tensor<1x2x4x8xf32> {
  %c = kiln.constant dense<2.82842708> : tensor<f32>
  %min = kiln.constant dense<-3.40282347E+38> : tensor<f32>
  %q1 = kiln.div %q, %c : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %s = kiln.matmul %q1, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %h = kiln.expand %hide : tensor<1x1x1x4xi1> -> tensor<1x2x4x4xi1>
  %s1 = kiln.where %h, %min, %s : (tensor<1x2x4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = kiln.softmax %s1 axis = 3 : tensor<1x2x4x4xf32>
  %o = kiln.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// GPT-2: Where(tril, scores, -max) with a constant lower-triangular mask is
// causal attention.
// CHECK-LABEL: func.func @gpt2
// CHECK: kiln.attention %arg0, %{{.*}}, %arg2 scale = 5.000000e-01 causal :
// REMARK: remark: fused attention (causal)
func.func @gpt2(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %c = kiln.constant dense<2.0> : tensor<f32>
  %min = kiln.constant dense<-3.40282347E+38> : tensor<f32>
  %tri = kiln.constant dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>
  %kt = kiln.transpose %k [0, 1, 3, 2] : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = kiln.div %s, %c : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %s2 = kiln.where %tri, %s1, %min : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = kiln.softmax %s2 axis = 3 : tensor<1x2x3x3xf32>
  %o = kiln.matmul %p, %v : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// PyTorch scaled_dot_product_attention: sqrt(scale) on q and on k^T.
// CHECK-LABEL: func.func @sdpa
// CHECK: kiln.attention %arg0, %arg1, %arg2 scale = 0.3535533{{[0-9]+}} :
// REMARK: remark: fused attention (unmasked)
func.func @sdpa(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %r = kiln.constant dense<0.594603539> : tensor<f32>
  %kt = kiln.transpose %k [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %qs = kiln.mul %q, %r : (tensor<1x2x4x8xf32>, tensor<f32>) -> tensor<1x2x4x8xf32>
  %ks = kiln.mul %kt, %r : (tensor<1x2x8x4xf32>, tensor<f32>) -> tensor<1x2x8x4xf32>
  %s = kiln.matmul %qs, %ks : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = kiln.softmax %s axis = 3 : tensor<1x2x4x4xf32>
  %o = kiln.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Llama: RoPE on q and k, K/V repeated for grouped-query attention, a
// constant causal 0/-inf mask. All of it goes inside the op.
// CHECK-LABEL: func.func @llama
// CHECK: kiln.attention %arg0, %arg1, %arg2 rotary(%arg3, %arg4) scale = 0.353553385 causal {rotary_dim = 8 : i64} : (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x4x3x8xf32>
// CHECK-NOT: kiln.expand
// CHECK-NOT: kiln.rotary_embedding
// REMARK: remark: fused attention (causal+gqa+rope)
func.func @llama(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>,
                 %cos: tensor<1x3x4xf32>, %sin: tensor<1x3x4xf32>) -> tensor<1x4x3x8xf32> {
  %c = kiln.constant dense<2.82842708> : tensor<f32>
  %mask = kiln.constant dense<[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>
  %qr = kiln.rotary_embedding %q, %cos, %sin rotary_dim = 8 : (tensor<1x4x3x8xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x4x3x8xf32>
  %kr = kiln.rotary_embedding %k, %cos, %sin rotary_dim = 8 : (tensor<1x2x3x8xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x2x3x8xf32>
  %k5 = kiln.reshape %kr : tensor<1x2x3x8xf32> -> tensor<1x2x1x3x8xf32>
  %ke = kiln.expand %k5 : tensor<1x2x1x3x8xf32> -> tensor<1x2x2x3x8xf32>
  %kk = kiln.reshape %ke : tensor<1x2x2x3x8xf32> -> tensor<1x4x3x8xf32>
  %v5 = kiln.reshape %v : tensor<1x2x3x8xf32> -> tensor<1x2x1x3x8xf32>
  %ve = kiln.expand %v5 : tensor<1x2x1x3x8xf32> -> tensor<1x2x2x3x8xf32>
  %vv = kiln.reshape %ve : tensor<1x2x2x3x8xf32> -> tensor<1x4x3x8xf32>
  %kt = kiln.transpose %kk [0, 1, 3, 2] : tensor<1x4x3x8xf32> -> tensor<1x4x8x3xf32>
  %s = kiln.matmul %qr, %kt : (tensor<1x4x3x8xf32>, tensor<1x4x8x3xf32>) -> tensor<1x4x3x3xf32>
  %s1 = kiln.div %s, %c : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  %s2 = kiln.add %s1, %mask : (tensor<1x4x3x3xf32>, tensor<3x3xf32>) -> tensor<1x4x3x3xf32>
  %p = kiln.softmax %s2 axis = 3 : tensor<1x4x3x3xf32>
  %o = kiln.matmul %p, %vv : (tensor<1x4x3x3xf32>, tensor<1x4x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %o : tensor<1x4x3x8xf32>
}

// -----

// Past keys and values concatenated along the sequence become the op's past
// operands, and the concatenations its present results.
// CHECK-LABEL: func.func @with_past
// CHECK: %[[A:.*]], %[[P:.*]]:2 = kiln.attention %arg0, %arg1, %arg2 mask(%arg5) past(%arg3, %arg4) scale = 5.000000e-01
// CHECK: return %[[A]], %[[P]]#0, %[[P]]#1
// REMARK: remark: fused attention (additive-mask+past)
func.func @with_past(%q: tensor<1x2x1x4xf32>, %k: tensor<1x2x1x4xf32>, %v: tensor<1x2x1x4xf32>,
                     %pk: tensor<1x2x3x4xf32>, %pv: tensor<1x2x3x4xf32>, %mask: tensor<1x1x1x4xf32>)
    -> (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %c = kiln.constant dense<2.0> : tensor<f32>
  %kk = kiln.concat %pk, %k axis = 2 : (tensor<1x2x3x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x4x4xf32>
  %vv = kiln.concat %pv, %v axis = 2 : (tensor<1x2x3x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x4x4xf32>
  %kt = kiln.transpose %kk [0, 1, 3, 2] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x1x4xf32>
  %s1 = kiln.div %s, %c : (tensor<1x2x1x4xf32>, tensor<f32>) -> tensor<1x2x1x4xf32>
  %s2 = kiln.add %s1, %mask : (tensor<1x2x1x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x1x4xf32>
  %p = kiln.softmax %s2 axis = 3 : tensor<1x2x1x4xf32>
  %o = kiln.matmul %p, %vv : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x1x4xf32>
  return %o, %kk, %vv : tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Never mis-fuse: the probabilities are also a result; a Where that fills
// with 0 instead of a large negative; softmax over another dim.
// CHECK-LABEL: func.func @negatives
// CHECK-NOT: kiln.attention
// REMARK: not fused attention: sdpa: the probabilities are not multiplied by the values alone
// REMARK: not fused attention: sdpa: a Where on the scores does not fill with a large negative constant
func.func @negatives(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>,
                     %m: tensor<1x1x1x4xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = kiln.softmax %s axis = 3 : tensor<1x2x4x4xf32>
  %o = kiln.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s2 = kiln.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %w = kiln.where %m, %s2, %zero : (tensor<1x1x1x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p2 = kiln.softmax %w axis = 3 : tensor<1x2x4x4xf32>
  %o2 = kiln.matmul %p2, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %p3 = kiln.softmax %s axis = 2 : tensor<1x2x4x4xf32>
  return %o, %p, %o2, %p3 : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// -----

// ONNX's Attention function (opset 23): softcap * tanh(scores / softcap)
// before the mask.
// CHECK-LABEL: func.func @softcap
// CHECK: kiln.attention %arg0, %arg1, %arg2 mask(%arg3) scale = 5.000000e-01 {softcap = 3.000000e+01 : f32}
// CHECK-NOT: kiln.tanh
// REMARK: remark: fused attention (additive-mask+softcap)
func.func @softcap(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>,
                   %mask: tensor<1x1x3x3xf32>) -> tensor<1x2x3x4xf32> {
  %c = kiln.constant dense<5.000000e-01> : tensor<f32>
  %cap = kiln.constant dense<3.000000e+01> : tensor<f32>
  %kt = kiln.transpose %k [0, 1, 3, 2] : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = kiln.mul %s, %c : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %d = kiln.div %s1, %cap : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %t = kiln.tanh %d : tensor<1x2x3x3xf32>
  %s2 = kiln.mul %t, %cap : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %s3 = kiln.add %s2, %mask : (tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = kiln.softmax %s3 axis = 3 : tensor<1x2x3x3xf32>
  %o = kiln.matmul %p, %v : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// ONNX's Attention function zeroes the rows whose mask hides every key:
// Where(ReduceMax(mask) == -inf, 0, softmax). kiln.attention does so anyway,
// so the Where goes inside the op. A Where on another condition does not.
// CHECK-LABEL: func.func @zeroed_rows
// CHECK: kiln.attention %arg0, %arg1, %arg2 mask(%arg3) scale = 1.000000e+00
// CHECK-NOT: kiln.where
// CHECK-NOT: kiln.softmax
// REMARK: remark: fused attention (additive-mask)
func.func @zeroed_rows(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>,
                       %mask: tensor<1x1x3x3xf32>) -> tensor<1x2x3x4xf32> {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %ninf = kiln.constant dense<0xFF800000> : tensor<f32>
  %kt = kiln.transpose %k [0, 1, 3, 2] : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = kiln.add %s, %mask : (tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = kiln.softmax %s1 axis = 3 : tensor<1x2x3x3xf32>
  %mx = kiln.reduce max %mask axes [3] keep_dims : tensor<1x1x3x3xf32> -> tensor<1x1x3x1xf32>
  %all = kiln.cmp eq, %mx, %ninf : (tensor<1x1x3x1xf32>, tensor<f32>) -> tensor<1x1x3x1xi1>
  %pz = kiln.where %all, %zero, %p : (tensor<1x1x3x1xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %o = kiln.matmul %pz, %v : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @zeroed_rows_other_condition
// CHECK-NOT: kiln.attention
// REMARK: not fused attention: sdpa: rows are zeroed by a condition other than the mask hiding every key
func.func @zeroed_rows_other_condition(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>,
                                       %mask: tensor<1x1x3x3xf32>, %other: tensor<1x1x3x3xf32>) -> tensor<1x2x3x4xf32> {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %ninf = kiln.constant dense<0xFF800000> : tensor<f32>
  %kt = kiln.transpose %k [0, 1, 3, 2] : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
  %s = kiln.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = kiln.add %s, %mask : (tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = kiln.softmax %s1 axis = 3 : tensor<1x2x3x3xf32>
  %mx = kiln.reduce max %other axes [3] keep_dims : tensor<1x1x3x3xf32> -> tensor<1x1x3x1xf32>
  %all = kiln.cmp eq, %mx, %ninf : (tensor<1x1x3x1xf32>, tensor<f32>) -> tensor<1x1x3x1xi1>
  %pz = kiln.where %all, %zero, %p : (tensor<1x1x3x1xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %o = kiln.matmul %pz, %v : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}
