// RUN: kiln-opt %s --kiln-bind-weights | FileCheck %s

// Each distinct resource gets one 64-byte aligned slot in a new trailing
// argument; a resource used twice is bound once.
// CHECK: module attributes {kiln.weights = [{offset = 0 : i64, value = dense_resource<w1> : tensor<3xf32>}, {offset = 64 : i64, value = dense_resource<w2> : tensor<2xf32>}], kiln.weights_size = 72 : i64}
// CHECK: func.func @main(%{{.*}}: tensor<3xf32>, %[[W:.*]]: memref<72xi8> {kiln.role = "weights"})
// CHECK: %[[O1:.*]] = arith.constant 0 : index
// CHECK: %[[V1:.*]] = memref.view %[[W]][%[[O1]]][] : memref<72xi8> to memref<3xf32>
// CHECK: bufferization.to_tensor %[[V1]] restrict : memref<3xf32> to tensor<3xf32>
// CHECK: %[[O2:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[W]][%[[O2]]][] : memref<72xi8> to memref<2xf32>
// Small dense constants stay constants.
// CHECK: arith.constant dense<1.000000e+00> : tensor<3xf32>
func.func @main(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<3xf32>) {
  %a = arith.constant dense_resource<w1> : tensor<3xf32>
  %b = arith.constant dense_resource<w1> : tensor<3xf32>
  %c = arith.constant dense_resource<w2> : tensor<2xf32>
  %d = arith.constant dense<1.0> : tensor<3xf32>
  return %a, %b, %c, %d : tensor<3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w1: "0x040000000000803F0000004000004040",
      w2: "0x040000000000803F00000040"
    }
  }
#-}
