// RUN: kiln-opt %s --kiln-lower-kernel-calls -split-input-file -verify-diagnostics | FileCheck %s

// Every public function gets the exec pointer; each kernel op becomes a call
// with its argument struct on the stack. Batches whose rows are back to back
// and share B fold into M (2 x 4 rows -> 8). k_split follows the layout and
// activation; then the norm epilogue's fields (null: none), and stream_c.
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: %[[EXEC:[a-z0-9]+]]: !llvm.ptr {kiln.role = "exec"})
// CHECK: %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(i64, i64, i64, i64, ptr, i64, i64, ptr, i64, i64, ptr, ptr, i64, i64, ptr, i64, i64, i32, i32, i64, ptr, ptr, ptr, i64, i64, f32, i32, i32)> {alignment = 8 : i64}
// CHECK-DAG: %[[M:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[LAYOUT:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[GELU:.*]] = arith.constant 2 : i32
// CHECK-DAG: %[[SPLIT:.*]] = arith.constant 48 : i64
// CHECK-DAG: %[[STREAM:.*]] = arith.constant 1 : i32
// CHECK: llvm.insertvalue %[[M]], %{{.*}}[1]
// CHECK: llvm.insertvalue %[[LAYOUT]], %{{.*}}[17]
// CHECK: llvm.insertvalue %[[GELU]], %{{.*}}[18]
// CHECK: llvm.insertvalue %[[SPLIT]], %{{.*}}[19]
// CHECK: llvm.insertvalue %[[STREAM]], %{{.*}}[27]
// CHECK: llvm.store %{{.*}}, %[[SLOT]]
// CHECK: llvm.call @kiln_k_gemm_f32(%[[EXEC]], %[[SLOT]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT: kiln_kernel.gemm
// CHECK: llvm.func @kiln_k_gemm_f32(!llvm.ptr, !llvm.ptr)
func.func @gemm(%a: memref<2x4x32xf32>, %w: memref<2x32x48xf32>, %bias: memref<64xf32>, %c: memref<2x4x64xf32>) {
  kiln_kernel.gemm %a, %w packed bias(%bias : memref<64xf32>) activation = gelu k_split = 48 outs(%c : memref<2x4x64xf32>) {stream_c} : memref<2x4x32xf32>, memref<2x32x48xf32>
  return
}

// -----

// A norm epilogue over C itself: y is C's address and strides (a batch of
// 4 rows of 16), then epsilon and the RMS flag. With its own outs, y's.
// CHECK-LABEL: func.func @gemm_norm
// CHECK: %[[C:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK: %[[CI:.*]] = arith.index_cast %[[C]]
// CHECK: %[[G:.*]] = memref.extract_aligned_pointer_as_index %arg4
// CHECK: %[[Y:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 16 : i64
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-DAG: %[[RMS:.*]] = arith.constant 1 : i32
// CHECK: llvm.insertvalue %[[ROWS]], %{{.*}}[24]
// CHECK: llvm.insertvalue %[[EPS]], %{{.*}}[25]
// CHECK: llvm.insertvalue %[[RMS]], %{{.*}}[26]
// CHECK: llvm.call @kiln_k_gemm_f32
// CHECK: memref.extract_aligned_pointer_as_index %arg5
// CHECK: llvm.call @kiln_k_gemm_f32
func.func @gemm_norm(%a: memref<4x8xf32>, %w: memref<8x16xf32>, %r: memref<4x16xf32>, %c: memref<4x16xf32>,
                     %g: memref<16xf32>, %y: memref<4x16xf32>) {
  kiln_kernel.gemm %a, %w row_major residual(%r : memref<4x16xf32>) norm_scale(%g : memref<16xf32>) outs(%c : memref<4x16xf32>) {norm_epsilon = 1.0e-5 : f32, norm_rms} : memref<4x8xf32>, memref<8x16xf32>
  kiln_kernel.gemm %a, %w row_major norm_scale(%g : memref<16xf32>) norm_bias(%g : memref<16xf32>) outs(%c, %y : memref<4x16xf32>, memref<4x16xf32>) {norm_epsilon = 1.0e-5 : f32} : memref<4x8xf32>, memref<8x16xf32>
  return
}

// -----

// A view's offset moves the pointer: a slice starting at column 64 of a
// [4, 192] buffer begins 256 bytes in, rows 192 apart.
// CHECK-LABEL: func.func @strided_views
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %{{.*}} : memref<4x64xf32, strided<[192, 1], offset: 64>> -> index
// CHECK: %[[I:.*]] = arith.index_cast %[[BASE]] : index to i64
// CHECK: %[[OFF:.*]] = arith.muli %c64{{.*}}, %c4{{.*}} : i64
// CHECK: %[[ADDR:.*]] = arith.addi %[[I]], %[[OFF]] : i64
// CHECK: llvm.inttoptr %[[ADDR]] : i64 to !llvm.ptr
// CHECK: llvm.call @kiln_k_softmax_f32
func.func @strided_views(%x: memref<4x192xf32>, %y: memref<4x64xf32>) {
  %v = memref.subview %x[0, 64] [4, 64] [1, 1] : memref<4x192xf32> to memref<4x64xf32, strided<[192, 1], offset: 64>>
  kiln_kernel.softmax %v outs(%y : memref<4x64xf32>) : memref<4x64xf32, strided<[192, 1], offset: 64>>
  return
}

// -----

// Attention in BERT's layout and a norm with its residual sum.
// CHECK-LABEL: func.func @attention_and_norm
// CHECK: llvm.call @kiln_k_attention_f32
// CHECK: llvm.call @kiln_k_norm_f32
func.func @attention_and_norm(%qkv: memref<1x4x2x8xf32>, %m: memref<1x1x1x4xi1>, %o: memref<1x4x2x8xf32>,
                              %x: memref<4x16xf32>, %g: memref<16xf32>, %y: memref<4x16xf32>, %s: memref<4x16xf32>) {
  kiln_kernel.attention %qkv, %qkv, %qkv mask(%m : memref<1x1x1x4xi1>) outs(%o : memref<1x4x2x8xf32>) {scale = 0.5 : f32, seq_major = array<i1: true, true, true, true>} : memref<1x4x2x8xf32>, memref<1x4x2x8xf32>, memref<1x4x2x8xf32>
  kiln_kernel.norm %x skip(%x : memref<4x16xf32>) scale(%g : memref<16xf32>) outs(%y, %s : memref<4x16xf32>, memref<4x16xf32>) {epsilon = 1.0e-5 : f32} : memref<4x16xf32>
  return
}

// -----

func.func @not_contiguous(%x: memref<8x4xf32>, %y: memref<4x8xf32>) {
  %t = memref.transpose %x (i, j) -> (j, i) : memref<8x4xf32> to memref<4x8xf32, strided<[1, 4]>>
  // expected-error @+1 {{needs a contiguous innermost dim; x is 'memref<4x8xf32, strided<[1, 4]>>'}}
  kiln_kernel.softmax %t outs(%y : memref<4x8xf32>) : memref<4x8xf32, strided<[1, 4]>>
  return
}
