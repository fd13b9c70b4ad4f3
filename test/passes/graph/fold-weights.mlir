// RUN: kiln-opt %s --kiln-fold-weights -split-input-file | FileCheck %s

// Ops on weight blobs are evaluated into new blobs: a transpose, a scaling,
// a cast, the rows constant positions select.
// Small results become dense constants (the cast of one is the folders'
// business, in the canonicalize that follows).
// CHECK-LABEL: func.func @weights
// CHECK: %[[T:.*]] = kiln.constant dense<{{\[\[}}4.000000e+00, 7.000000e+00], [5.000000e+00, 8.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<3x2xf32>
// CHECK: %[[S:.*]] = kiln.constant dense<{{\[\[}}8.000000e+00, 1.000000e+01, 1.200000e+01], [1.400000e+01, 1.600000e+01, 1.800000e+01]]> : tensor<2x3xf32>
// CHECK: %[[H:.*]] = kiln.cast %[[S]]
// CHECK: %[[G:.*]] = kiln.constant dense<{{\[\[}}3.000000e+00, 4.000000e+00], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: kiln.transpose
// CHECK-NOT: kiln.gather
// CHECK: return %[[T]], %[[H]], %[[G]]
func.func @weights() -> (tensor<3x2xf32>, tensor<2x3xf16>, tensor<2x2xf32>) {
  %w = kiln.constant dense_resource<w> : tensor<2x3xf32>
  %p = kiln.constant dense_resource<p> : tensor<3x2xf32>
  %t = kiln.transpose %w [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %two = kiln.constant dense<2.0> : tensor<f32>
  %s = kiln.mul %w, %two : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %h = kiln.cast %s : tensor<2x3xf32> to tensor<2x3xf16>
  %idx = kiln.constant dense<[1, 0]> : tensor<2xi64>
  %g = kiln.gather %p[%idx] axis = 0 : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<2x2xf32>
  return %t, %h, %g : tensor<3x2xf32>, tensor<2x3xf16>, tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000000080400000A0400000C0400000E0400000004100001041",
      p: "0x040000000000803F0000004000004040000080400000A0400000C040"
    }
  }
#-}

// -----

// Large results stay blobs: a 9x8 weight transposed.
// CHECK-LABEL: func.func @large
// CHECK: %[[T:.*]] = kiln.constant dense_resource<big.folded> : tensor<8x9xf32>
// CHECK: return %[[T]]
// CHECK: big.folded: "0x04000000000000000000004100008041
func.func @large() -> tensor<8x9xf32> {
  %w = kiln.constant dense_resource<big> : tensor<9x8xf32>
  %t = kiln.transpose %w [1, 0] : tensor<9x8xf32> -> tensor<8x9xf32>
  return %t : tensor<8x9xf32>
}

{-#
  dialect_resources: {
    builtin: {
      big: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C42000080420000824200008442000086420000884200008A4200008C4200008E42"
    }
  }
#-}

// -----

// Small dense constants are the folders' business; ops on activations are
// not touched.
// CHECK-LABEL: func.func @untouched
// CHECK: kiln.transpose %arg0
func.func @untouched(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = kiln.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %t : tensor<3x2xf32>
}
