// RUN: kiln-opt %s --kiln-fuse-rotary -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// Hugging Face: x * cos + concat(-x2, x1) * sin with cos/sin tables of the
// full head width whose halves repeat; the op takes the first halves.
// CHECK-LABEL: func.func @half_split
// CHECK: %[[C:.*]] = kiln.slice %{{.*}} starts [0, 0, 0, 0] steps [1, 1, 1, 1] : tensor<1x1x2x4xf32> -> tensor<1x1x2x2xf32>
// CHECK: %[[CR:.*]] = kiln.reshape %[[C]] : tensor<1x1x2x2xf32> -> tensor<1x2x2xf32>
// CHECK: kiln.rotary_embedding %arg0, %[[CR]], %{{.*}} rotary_dim = 4 :
// CHECK-NOT: kiln.neg
// REMARK: remark: fused rotary_embedding (half-split)
func.func @half_split(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %cos = kiln.constant dense<[[[[1.0, 0.5, 1.0, 0.5], [0.2, 0.3, 0.2, 0.3]]]]> : tensor<1x1x2x4xf32>
  %sin = kiln.constant dense<[[[[0.0, 0.8, 0.0, 0.8], [0.9, 0.1, 0.9, 0.1]]]]> : tensor<1x1x2x4xf32>
  %x1 = kiln.slice %x starts [0, 0, 0, 0] steps [1, 1, 1, 1] : tensor<1x2x2x4xf32> -> tensor<1x2x2x2xf32>
  %x2 = kiln.slice %x starts [0, 0, 0, 2] steps [1, 1, 1, 1] : tensor<1x2x2x4xf32> -> tensor<1x2x2x2xf32>
  %n = kiln.neg %x2 : tensor<1x2x2x2xf32>
  %r = kiln.concat %n, %x1 axis = 3 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %a = kiln.mul %x, %cos : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %b = kiln.mul %r, %sin : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %y = kiln.add %a, %b : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %y : tensor<1x2x2x4xf32>
}

// -----

// Tables whose halves differ are not RoPE as the op computes it.
// CHECK-LABEL: func.func @halves_differ
// CHECK-NOT: kiln.rotary_embedding
// REMARK: not fused rotary_embedding: half-split: cos/sin are not constant tables whose halves repeat
func.func @halves_differ(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %cos = kiln.constant dense<[[[[1.0, 0.5, 1.0, 0.6], [0.2, 0.3, 0.2, 0.3]]]]> : tensor<1x1x2x4xf32>
  %x1 = kiln.slice %x starts [0, 0, 0, 0] steps [1, 1, 1, 1] : tensor<1x2x2x4xf32> -> tensor<1x2x2x2xf32>
  %x2 = kiln.slice %x starts [0, 0, 0, 2] steps [1, 1, 1, 1] : tensor<1x2x2x4xf32> -> tensor<1x2x2x2xf32>
  %n = kiln.neg %x2 : tensor<1x2x2x2xf32>
  %r = kiln.concat %n, %x1 axis = 3 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %a = kiln.mul %x, %cos : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %b = kiln.mul %r, %cos : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %y = kiln.add %a, %b : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %y : tensor<1x2x2x4xf32>
}

// -----

// llama2.c: pairs (x[2i], x[2i+1]) rotated as complex numbers and restacked.
// CHECK-LABEL: func.func @interleaved
// CHECK: %[[R:.*]] = kiln.rotary_embedding %arg0, %{{.*}}, %{{.*}} rotary_dim = 4 interleaved : (tensor<1x2x3x4xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x2x3x4xf32>
// CHECK: kiln.reshape %[[R]] : tensor<1x2x3x4xf32> -> tensor<1x2x3x2x2xf32>
// CHECK-NOT: kiln.gather
// REMARK: remark: fused rotary_embedding (interleaved)
func.func @interleaved(%x: tensor<1x2x3x4xf32>, %c: tensor<1x1x3x2xf32>, %s: tensor<1x1x3x2xf32>) -> tensor<1x2x3x2x2xf32> {
  %i0 = kiln.constant dense<0> : tensor<i64>
  %i1 = kiln.constant dense<1> : tensor<i64>
  %p = kiln.reshape %x : tensor<1x2x3x4xf32> -> tensor<1x2x3x2x2xf32>
  %a = kiln.gather %p[%i0] axis = 4 : (tensor<1x2x3x2x2xf32>, tensor<i64>) -> tensor<1x2x3x2xf32>
  %b = kiln.gather %p[%i1] axis = 4 : (tensor<1x2x3x2x2xf32>, tensor<i64>) -> tensor<1x2x3x2xf32>
  %ac = kiln.mul %a, %c : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %bs = kiln.mul %b, %s : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %re = kiln.sub %ac, %bs : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %as = kiln.mul %a, %s : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %bc = kiln.mul %b, %c : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %im = kiln.add %as, %bc : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %re1 = kiln.reshape %re : tensor<1x2x3x2xf32> -> tensor<1x2x3x2x1xf32>
  %im1 = kiln.reshape %im : tensor<1x2x3x2xf32> -> tensor<1x2x3x2x1xf32>
  %y = kiln.concat %re1, %im1 axis = 4 : (tensor<1x2x3x2x1xf32>, tensor<1x2x3x2x1xf32>) -> tensor<1x2x3x2x2xf32>
  return %y : tensor<1x2x3x2x2xf32>
}

// -----

// Real part a*s - b*c is not a rotation: left alone.
// CHECK-LABEL: func.func @not_a_rotation
// CHECK-NOT: kiln.rotary_embedding
// REMARK: not fused rotary_embedding
func.func @not_a_rotation(%x: tensor<1x2x3x4xf32>, %c: tensor<1x1x3x2xf32>, %s: tensor<1x1x3x2xf32>) -> tensor<1x2x3x2x2xf32> {
  %i0 = kiln.constant dense<0> : tensor<i64>
  %i1 = kiln.constant dense<1> : tensor<i64>
  %p = kiln.reshape %x : tensor<1x2x3x4xf32> -> tensor<1x2x3x2x2xf32>
  %a = kiln.gather %p[%i0] axis = 4 : (tensor<1x2x3x2x2xf32>, tensor<i64>) -> tensor<1x2x3x2xf32>
  %b = kiln.gather %p[%i1] axis = 4 : (tensor<1x2x3x2x2xf32>, tensor<i64>) -> tensor<1x2x3x2xf32>
  %ac = kiln.mul %a, %s : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %bs = kiln.mul %b, %c : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %re = kiln.sub %ac, %bs : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %as = kiln.mul %a, %s : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %bc = kiln.mul %b, %c : (tensor<1x2x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x2x3x2xf32>
  %im = kiln.add %as, %bc : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %re1 = kiln.reshape %re : tensor<1x2x3x2xf32> -> tensor<1x2x3x2x1xf32>
  %im1 = kiln.reshape %im : tensor<1x2x3x2xf32> -> tensor<1x2x3x2x1xf32>
  %y = kiln.concat %re1, %im1 axis = 4 : (tensor<1x2x3x2x1xf32>, tensor<1x2x3x2x1xf32>) -> tensor<1x2x3x2x2xf32>
  return %y : tensor<1x2x3x2x2xf32>
}
