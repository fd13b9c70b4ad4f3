// RUN: kiln-opt %s --kiln-fuse-norms -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// PyTorch's LayerNorm: Sub, Pow, Div by Sqrt, gamma, beta.
// CHECK-LABEL: func.func @pytorch
// CHECK: %[[LN:.*]] = kiln.layer_norm %arg0, %arg1, %arg2 axis = 1 epsilon = 9.99999974E-6
// CHECK-NOT: kiln.reduce
// CHECK: return %[[LN]]
// REMARK: remark: fused layer_norm (centred)
func.func @pytorch(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = kiln.sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = kiln.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = kiln.reduce mean %sq axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = kiln.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = kiln.sqrt %ve : tensor<2x1xf32>
  %n = kiln.div %d, %sd : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %s = kiln.mul %g, %n : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = kiln.add %s, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// x*x for the square, Rsqrt for the inverse, no gamma or beta: a unit scale.
// CHECK-LABEL: func.func @rsqrt_no_affine
// CHECK: %[[ONE:.*]] = kiln.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK: kiln.layer_norm %arg0, %[[ONE]] axis = 1 epsilon = 9.99999996E-13
func.func @rsqrt_no_affine(%x: tensor<3x4x8xf32>) -> tensor<3x4x8xf32> {
  %eps = kiln.constant dense<1.0e-12> : tensor<1xf32>
  %m = kiln.reduce mean %x axes [1, 2] keep_dims : tensor<3x4x8xf32> -> tensor<3x1x1xf32>
  %d = kiln.sub %x, %m : (tensor<3x4x8xf32>, tensor<3x1x1xf32>) -> tensor<3x4x8xf32>
  %sq = kiln.mul %d, %d : (tensor<3x4x8xf32>, tensor<3x4x8xf32>) -> tensor<3x4x8xf32>
  %v = kiln.reduce mean %sq axes [1, 2] keep_dims : tensor<3x4x8xf32> -> tensor<3x1x1xf32>
  %ve = kiln.add %v, %eps : (tensor<3x1x1xf32>, tensor<1xf32>) -> tensor<3x1x1xf32>
  %r = kiln.rsqrt %ve : tensor<3x1x1xf32>
  %n = kiln.mul %d, %r : (tensor<3x4x8xf32>, tensor<3x1x1xf32>) -> tensor<3x4x8xf32>
  return %n : tensor<3x4x8xf32>
}

// -----

// Reciprocal(Sqrt) and Pow(-0.5) spell the inverse too.
// CHECK-LABEL: func.func @reciprocal_and_pow
// CHECK: kiln.layer_norm %arg0, %arg1 axis = 1
// CHECK: kiln.layer_norm %arg0, %arg1 axis = 1
// CHECK-NOT: kiln.reduce
func.func @reciprocal_and_pow(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %mhalf = kiln.constant dense<-0.5> : tensor<f32>
  %m = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = kiln.sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = kiln.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = kiln.reduce mean %sq axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = kiln.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = kiln.sqrt %ve : tensor<2x1xf32>
  %r = kiln.reciprocal %sd : tensor<2x1xf32>
  %n = kiln.mul %d, %r : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y = kiln.mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %m2 = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %d2 = kiln.sub %x, %m2 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq2 = kiln.mul %d2, %d2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v2 = kiln.reduce mean %sq2 axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve2 = kiln.add %v2, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %r2 = kiln.pow %ve2, %mhalf : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %n2 = kiln.mul %r2, %d2 : (tensor<2x1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = kiln.mul %n2, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y, %y2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// TF/Keras: x * (rstd * gamma) + (beta - mean * (rstd * gamma)).
// CHECK-LABEL: func.func @tf
// CHECK: kiln.layer_norm %arg0, %arg1, %arg2 axis = 2 epsilon = 1.000000e-03
// CHECK-NOT: kiln.reduce
// REMARK: remark: fused layer_norm (scaled-input)
func.func @tf(%x: tensor<1x7x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x7x8xf32> {
  %eps = kiln.constant dense<1.0e-3> : tensor<f32>
  %m = kiln.reduce mean %x axes [2] keep_dims : tensor<1x7x8xf32> -> tensor<1x7x1xf32>
  %d = kiln.sub %x, %m : (tensor<1x7x8xf32>, tensor<1x7x1xf32>) -> tensor<1x7x8xf32>
  %sq = kiln.mul %d, %d : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %v = kiln.reduce mean %sq axes [2] keep_dims : tensor<1x7x8xf32> -> tensor<1x7x1xf32>
  %ve = kiln.add %v, %eps : (tensor<1x7x1xf32>, tensor<f32>) -> tensor<1x7x1xf32>
  %sd = kiln.sqrt %ve : tensor<1x7x1xf32>
  %r = kiln.reciprocal %sd : tensor<1x7x1xf32>
  %rg = kiln.mul %r, %g : (tensor<1x7x1xf32>, tensor<8xf32>) -> tensor<1x7x8xf32>
  %xs = kiln.mul %x, %rg : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %ms = kiln.mul %m, %rg : (tensor<1x7x1xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %sh = kiln.sub %b, %ms : (tensor<8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %y = kiln.add %xs, %sh : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  return %y : tensor<1x7x8xf32>
}

// -----

// T5: x / sqrt(mean(x^2) + eps) * w; Llama: w * (x * (1 / sqrt(...))).
// CHECK-LABEL: func.func @rms
// CHECK: kiln.rms_norm %arg0, %arg1 axis = 2 epsilon = 9.99999997E-7
// CHECK: kiln.rms_norm %arg0, %arg1 axis = 2 epsilon = 9.99999974E-6
// CHECK-NOT: kiln.reduce
// REMARK-COUNT-2: remark: fused rms_norm (rms)
func.func @rms(%x: tensor<1x4x16xf32>, %w: tensor<16xf32>) -> (tensor<1x4x16xf32>, tensor<1x4x16xf32>) {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %e6 = kiln.constant dense<1.0e-6> : tensor<f32>
  %e5 = kiln.constant dense<1.0e-5> : tensor<f32>
  %sq = kiln.pow %x, %two : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %v = kiln.reduce mean %sq axes [2] keep_dims : tensor<1x4x16xf32> -> tensor<1x4x1xf32>
  %ve = kiln.add %v, %e6 : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %sd = kiln.sqrt %ve : tensor<1x4x1xf32>
  %n = kiln.div %x, %sd : (tensor<1x4x16xf32>, tensor<1x4x1xf32>) -> tensor<1x4x16xf32>
  %y = kiln.mul %w, %n : (tensor<16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %sq2 = kiln.mul %x, %x : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %v2 = kiln.reduce mean %sq2 axes [2] keep_dims : tensor<1x4x16xf32> -> tensor<1x4x1xf32>
  %ve2 = kiln.add %v2, %e5 : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %sd2 = kiln.sqrt %ve2 : tensor<1x4x1xf32>
  %r2 = kiln.div %one, %sd2 : (tensor<f32>, tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %n2 = kiln.mul %x, %r2 : (tensor<1x4x16xf32>, tensor<1x4x1xf32>) -> tensor<1x4x16xf32>
  %y2 = kiln.mul %n2, %w : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  return %y, %y2 : tensor<1x4x16xf32>, tensor<1x4x16xf32>
}

// -----

// The norm's output is rounded to f16 before the affine: the norm fuses,
// the f16 scale stays outside.
// CHECK-LABEL: func.func @cast_before_affine
// CHECK: %[[LN:.*]] = kiln.layer_norm %arg0, %{{.*}} axis = 1
// CHECK: %[[C:.*]] = kiln.cast %[[LN]] : tensor<2x8xf32> to tensor<2x8xf16>
// CHECK: kiln.mul %[[C]], %arg1
func.func @cast_before_affine(%x: tensor<2x8xf32>, %g: tensor<8xf16>) -> tensor<2x8xf16> {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = kiln.sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = kiln.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = kiln.reduce mean %sq axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = kiln.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = kiln.sqrt %ve : tensor<2x1xf32>
  %n = kiln.div %d, %sd : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %h = kiln.cast %n : tensor<2x8xf32> to tensor<2x8xf16>
  %y = kiln.mul %h, %g : (tensor<2x8xf16>, tensor<8xf16>) -> tensor<2x8xf16>
  return %y : tensor<2x8xf16>
}

// -----

// Never mis-fuse: the centred input is read elsewhere; the variance is over
// other dims; epsilon is not a constant.
// CHECK-LABEL: func.func @negatives
// CHECK-NOT: kiln.layer_norm
// CHECK-NOT: kiln.rms_norm
// REMARK: not fused layer_norm: centred: intermediate 'kiln.sub' is also read elsewhere
// REMARK: not fused layer_norm: centred: no mean of the squared centred input over the same dims
// REMARK: not fused layer_norm: centred: epsilon is not a non-negative scalar constant
func.func @negatives(%x: tensor<2x8xf32>, %e: tensor<2x1xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = kiln.sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = kiln.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = kiln.reduce mean %sq axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = kiln.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = kiln.sqrt %ve : tensor<2x1xf32>
  %n = kiln.div %d, %sd : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  // over dim 0 instead of 1
  %mb = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %db = kiln.sub %x, %mb : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sqb = kiln.pow %db, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %vb = kiln.reduce mean %sqb axes [0] keep_dims : tensor<2x8xf32> -> tensor<1x8xf32>
  %veb = kiln.add %vb, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %sdb = kiln.sqrt %veb : tensor<1x8xf32>
  %nb = kiln.div %db, %sdb : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  // epsilon from an input
  %mc = kiln.reduce mean %x axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %dc = kiln.sub %x, %mc : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sqc = kiln.pow %dc, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %vc = kiln.reduce mean %sqc axes [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %vec = kiln.add %vc, %e : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %sdc = kiln.sqrt %vec : tensor<2x1xf32>
  %nc = kiln.div %dc, %sdc : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %n, %d, %nb, %nc : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
