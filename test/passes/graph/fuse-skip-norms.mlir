// RUN: kiln-opt %s --kiln-fuse-skip-norms -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// The residual add joins the norm; its other reader (the next residual of a
// pre-norm model) reads the op's sum.
// CHECK-LABEL: func.func @pre_norm
// CHECK: %[[N:.*]], %[[S:.*]] = kiln.skip_layer_norm %arg0, %arg1, %arg2, %arg3 axis = 2
// CHECK: %[[R:.*]], %[[S2:.*]] = kiln.skip_rms_norm %[[S]], %[[N]], %arg2 axis = 2
// CHECK: return %[[R]], %[[S2]]
// REMARK: remark: fused skip_layer_norm (add)
// REMARK: remark: fused skip_rms_norm (add)
func.func @pre_norm(%x: tensor<1x4x8xf32>, %h: tensor<1x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %s = kiln.add %x, %h : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %n = kiln.layer_norm %s, %g, %b axis = 2 epsilon = 1.0e-5 : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %s2 = kiln.add %s, %n : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %r = kiln.rms_norm %s2, %g axis = 2 epsilon = 1.0e-6 : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %r, %s2 : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}

// -----

// A bias add (broadcast) is not a residual; an add in f16 read by an f32
// norm would change precision.
// CHECK-LABEL: func.func @not_residual
// CHECK-NOT: kiln.skip_layer_norm
// REMARK: not fused skip_layer_norm: add: the add broadcasts (a bias, not a residual)
// REMARK: not fused skip_layer_norm: add: the residual add is in f16 and the norm in f32
func.func @not_residual(%x: tensor<1x4x8xf32>, %b: tensor<8xf32>, %h: tensor<1x4x8xf16>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %s = kiln.add %x, %b : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %n = kiln.layer_norm %s, %b axis = 2 epsilon = 1.0e-5 : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %hs = kiln.add %h, %h : (tensor<1x4x8xf16>, tensor<1x4x8xf16>) -> tensor<1x4x8xf16>
  %c = kiln.cast %hs : tensor<1x4x8xf16> to tensor<1x4x8xf32>
  %n2 = kiln.layer_norm %c, %b axis = 2 epsilon = 1.0e-5 : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %n, %n2 : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}
