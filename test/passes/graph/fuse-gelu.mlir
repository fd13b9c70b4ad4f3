// RUN: kiln-opt %s --kiln-fuse-gelu -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// erf GELU with 0.5 on either branch, Div by 1.4142 or Mul by 0.7071.
// CHECK-LABEL: func.func @erf_forms
// CHECK: %[[A:.*]] = kiln.gelu %arg0 none
// CHECK: %[[B:.*]] = kiln.gelu %arg0 none
// CHECK: %[[C:.*]] = kiln.gelu %arg0 none
// CHECK-NOT: kiln.erf
// CHECK: return %[[A]], %[[B]], %[[C]]
// REMARK-COUNT-3: remark: fused gelu (erf)
func.func @erf_forms(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %sqrt2 = kiln.constant dense<1.4142> : tensor<f32>
  %rsqrt2 = kiln.constant dense<0.70710678> : tensor<1xf32>
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  // 0.5 * x * (1 + erf(x / 1.4142)) with 0.5 on the x branch
  %a0 = kiln.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %a1 = kiln.erf %a0 : tensor<2x8xf32>
  %a2 = kiln.add %a1, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %a3 = kiln.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %a = kiln.mul %a3, %a2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  // (x * (1 + erf(x * 0.7071))) * 0.5: 0.5 last
  %b0 = kiln.mul %x, %rsqrt2 : (tensor<2x8xf32>, tensor<1xf32>) -> tensor<2x8xf32>
  %b1 = kiln.erf %b0 : tensor<2x8xf32>
  %b2 = kiln.add %one, %b1 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %b3 = kiln.mul %b2, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = kiln.mul %b3, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  // x * (0.5 + 0.5 * erf(...)): the same polynomial, spelled out
  %c0 = kiln.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %c1 = kiln.erf %c0 : tensor<2x8xf32>
  %c2 = kiln.mul %c1, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %c3 = kiln.add %c2, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %c = kiln.mul %c3, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %a, %b, %c : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// A bias add before GELU stays outside: x is the sum.
// CHECK-LABEL: func.func @bias_outside
// CHECK: %[[S:.*]] = kiln.add %arg0, %arg1
// CHECK: kiln.gelu %[[S]] none
func.func @bias_outside(%x: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %s = kiln.add %x, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %0 = kiln.div %s, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = kiln.erf %0 : tensor<2x8xf32>
  %2 = kiln.add %1, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = kiln.mul %s, %2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = kiln.mul %3, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// tanh forms: GPT-2's gelu_new with Pow(x, 3), FastGelu's x*x*x, and
// Megatron's factored x * 0.79788 * (1 + 0.044715 * x * x); and the
// sigmoid spelling x * sigmoid(1.5958 * (x + 0.044715 x^3)).
// CHECK-LABEL: func.func @tanh_forms
// CHECK-COUNT-4: kiln.gelu %arg0 tanh
// CHECK-NOT: kiln.tanh
// CHECK-NOT: kiln.sigmoid
// REMARK-COUNT-3: remark: fused gelu (tanh)
// REMARK: remark: fused gelu (sigmoid)
func.func @tanh_forms(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %three = kiln.constant dense<3.0> : tensor<f32>
  %c = kiln.constant dense<0.044715> : tensor<f32>
  %k = kiln.constant dense<0.7978845608> : tensor<f32>
  %k2 = kiln.constant dense<1.5957691216> : tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  // gelu_new
  %a0 = kiln.pow %x, %three : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %a1 = kiln.mul %a0, %c : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %a2 = kiln.add %x, %a1 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %a3 = kiln.mul %a2, %k : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %a4 = kiln.tanh %a3 : tensor<4x16xf32>
  %a5 = kiln.add %a4, %one : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %a6 = kiln.mul %x, %half : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %a = kiln.mul %a6, %a5 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  // FastGelu: x*x*x
  %b0 = kiln.mul %x, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b1 = kiln.mul %b0, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b2 = kiln.mul %b1, %c : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %b3 = kiln.add %b2, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b4 = kiln.mul %k, %b3 : (tensor<f32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b5 = kiln.tanh %b4 : tensor<4x16xf32>
  %b6 = kiln.add %b5, %one : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %b7 = kiln.mul %b6, %half : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %b = kiln.mul %x, %b7 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  // Megatron
  %m0 = kiln.mul %x, %k : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %m1 = kiln.mul %x, %c : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %m2 = kiln.mul %m1, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %m3 = kiln.add %m2, %one : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %m4 = kiln.mul %m0, %m3 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %m5 = kiln.tanh %m4 : tensor<4x16xf32>
  %m6 = kiln.add %m5, %one : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %m7 = kiln.mul %x, %half : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %m = kiln.mul %m7, %m6 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  // sigmoid
  %s0 = kiln.pow %x, %three : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %s1 = kiln.mul %s0, %c : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %s2 = kiln.add %x, %s1 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %s3 = kiln.mul %s2, %k2 : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %s4 = kiln.sigmoid %s3 : tensor<4x16xf32>
  %s = kiln.mul %x, %s4 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %a, %b, %m, %s : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Not GELU: QuickGelu x*sigmoid(1.702x), SiLU, a wrong constant (1.5 for
// sqrt 2), a plain tanh, and a GELU whose erf argument is also a result.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: kiln.gelu
// REMARK: not fused gelu: erf: the argument is not 0.707107*x of any input
// REMARK: not fused gelu: erf: intermediate 'kiln.div' is also read elsewhere
// REMARK-NOT: tanh
func.func @not_gelu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %q = kiln.constant dense<1.702> : tensor<f32>
  %wrong = kiln.constant dense<1.5> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %q0 = kiln.mul %x, %q : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %q1 = kiln.sigmoid %q0 : tensor<4xf32>
  %quick = kiln.mul %x, %q1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %si = kiln.sigmoid %x : tensor<4xf32>
  %silu = kiln.mul %x, %si : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %w0 = kiln.div %x, %wrong : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %w1 = kiln.erf %w0 : tensor<4xf32>
  %w2 = kiln.add %w1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %w3 = kiln.mul %x, %w2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %w = kiln.mul %w3, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %t = kiln.tanh %x : tensor<4xf32>
  %e0 = kiln.div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e1 = kiln.erf %e0 : tensor<4xf32>
  %e2 = kiln.add %e1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e3 = kiln.mul %x, %e2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %e = kiln.mul %e3, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %quick, %silu, %w, %t, %e, %e0 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
