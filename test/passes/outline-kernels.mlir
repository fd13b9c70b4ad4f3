// RUN: kiln-opt %s --kiln-outline-kernels | FileCheck %s

// Each linalg op moves into its own private function; the constant it reads
// is cloned in, the buffers become arguments.
// CHECK-LABEL: func.func @main
// CHECK: call @main_k0(%arg0, %arg1) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK-NEXT: call @main_k1(%arg1) : (memref<8xf32>) -> ()
// CHECK-NEXT: return
// CHECK: func.func private @main_k0(%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>)
// CHECK-NEXT: linalg.copy
// CHECK: func.func private @main_k1(%{{.*}}: memref<8xf32>)
// CHECK-NEXT: arith.constant 2.0
// CHECK-NEXT: linalg.fill
func.func @main(%in: memref<8xf32>, %out: memref<8xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.copy ins(%in : memref<8xf32>) outs(%out : memref<8xf32>)
  linalg.fill ins(%two : f32) outs(%out : memref<8xf32>)
  return
}
