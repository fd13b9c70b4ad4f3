// RUN: kiln-opt %s --kiln-select-kernels="isa=avx512" -split-input-file | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: kiln-opt %s --kiln-select-kernels="isa=avx2" -split-input-file | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: kiln-opt %s --kiln-select-kernels="isa=none" -split-input-file | FileCheck %s --check-prefix=NONE
// RUN: not kiln-opt %s --kiln-select-kernels="isa=sse9" 2>&1 | FileCheck %s --check-prefix=BADISA

// BADISA: unknown isa 'sse9' (generic, avx2, avx512, neon or none)
// NONE-NOT: kiln_kernel.

// Constant weights are packed into the variant's panels: N = 100 is 3 panels
// of 48 on AVX-512, 7 of 16 on AVX2. A bias of shape [1, N] becomes [N].
// CHECK-LABEL: func.func @linear_packed
// CHECK-DAG: %[[B:.*]] = kiln.reshape %arg1 : tensor<1x100xf32> -> tensor<100xf32>
// AVX512-DAG: %[[W:.*]] = kiln.constant dense_resource<{{.*}}.packed48> : tensor<3x64x48xf32>
// AVX2-DAG: %[[W:.*]] = kiln.constant dense_resource<{{.*}}.packed16> : tensor<7x64x16xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x5x100xf32>
// CHECK: kiln_kernel.gemm %arg0, %[[W]] packed bias(%[[B]] : tensor<100xf32>) residual(%arg2 : tensor<2x5x100xf32>) activation = gelu outs(%[[E]] : tensor<2x5x100xf32>)
// CHECK-NOT: kiln.linear
func.func @linear_packed(%x: tensor<2x5x64xf32>, %b: tensor<1x100xf32>, %r: tensor<2x5x100xf32>) -> tensor<2x5x100xf32> {
  %w = kiln.constant dense<0.5> : tensor<64x100xf32>
  %y = kiln.linear %x, %w bias(%b) activation = gelu residual(%r) : (tensor<2x5x64xf32>, tensor<64x100xf32>, tensor<1x100xf32>, tensor<2x5x100xf32>) -> tensor<2x5x100xf32>
  return %y : tensor<2x5x100xf32>
}

// -----

// Weights that are not constant are read as they are; transposed ones too.
// CHECK-LABEL: func.func @linear_dynamic
// CHECK: kiln_kernel.gemm %arg0, %arg1 transposed outs
func.func @linear_dynamic(%x: tensor<5x64xf32>, %w: tensor<100x64xf32>) -> tensor<5x100xf32> {
  %y = kiln.linear %x, %w transpose_rhs : (tensor<5x64xf32>, tensor<100x64xf32>) -> tensor<5x100xf32>
  return %y : tensor<5x100xf32>
}

// -----

// Batched matmuls with B broadcast or per batch; transposed A, a bias that
// varies along M, and float16 stay for linalg.
// CHECK-LABEL: func.func @matmuls
// CHECK: kiln_kernel.gemm %arg0, %arg1 row_major outs(%{{.*}} : tensor<2x3x4x5xf32>)
// CHECK: kiln_kernel.gemm %arg0, %arg2 transposed outs(%{{.*}} : tensor<2x3x4x5xf32>)
// CHECK: kiln.matmul %arg3, %arg1 transpose_lhs
// CHECK: kiln.linear %arg4, %arg5 bias(%arg6)
// CHECK: kiln.matmul %arg7, %arg8 :
func.func @matmuls(%a: tensor<2x3x4x8xf32>, %b: tensor<2x3x8x5xf32>, %bt: tensor<1x1x5x8xf32>,
                   %at: tensor<2x3x8x4xf32>, %x: tensor<4x8xf32>, %w: tensor<8x5xf32>,
                   %rowbias: tensor<4x1xf32>, %h: tensor<4x8xf16>, %hw: tensor<8x5xf16>)
    -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf16>) {
  %0 = kiln.matmul %a, %b : (tensor<2x3x4x8xf32>, tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32>
  %1 = kiln.matmul %a, %bt transpose_rhs : (tensor<2x3x4x8xf32>, tensor<1x1x5x8xf32>) -> tensor<2x3x4x5xf32>
  %2 = kiln.matmul %at, %b transpose_lhs : (tensor<2x3x8x4xf32>, tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32>
  %3 = kiln.linear %x, %w bias(%rowbias) : (tensor<4x8xf32>, tensor<8x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  %4 = kiln.matmul %h, %hw : (tensor<4x8xf16>, tensor<8x5xf16>) -> tensor<4x5xf16>
  return %0, %1, %2, %3, %4 : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf16>
}

// -----

// BERT's layout: q/k/v split into heads by transposes and the output
// transposed back. The kernel reads and writes [B, S, H, D] directly.
// CHECK-LABEL: func.func @attention_layouts
// CHECK: %[[O:.*]] = kiln_kernel.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x1x1x4xf32>) outs(%{{.*}} : tensor<1x4x2x8xf32>) {scale = 0.353553385 : f32, seq_major = array<i1: true, true, true, true>}
// CHECK-NOT: kiln.transpose
// CHECK: return %[[O]]
func.func @attention_layouts(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>,
                             %m: tensor<1x1x1x4xf32>) -> tensor<1x4x2x8xf32> {
  %qh = kiln.transpose %q [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
  %kh = kiln.transpose %k [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
  %vh = kiln.transpose %v [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
  %a = kiln.attention %qh, %kh, %vh mask(%m) scale = 0.353553385 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x8xf32>
  %o = kiln.transpose %a [0, 2, 1, 3] : tensor<1x2x4x8xf32> -> tensor<1x4x2x8xf32>
  return %o : tensor<1x4x2x8xf32>
}

// -----

// Rotary embedding and past keys become kiln ops before the kernel; the
// concatenations are the present outputs. GQA and causal pass through.
// CHECK-LABEL: func.func @attention_rotary_past
// CHECK: %[[Q:.*]] = kiln.rotary_embedding %arg0, %arg5, %arg6 rotary_dim = 8
// CHECK: %[[K:.*]] = kiln.rotary_embedding %arg1, %arg5, %arg6 rotary_dim = 8
// CHECK: %[[PK:.*]] = kiln.concat %arg3, %[[K]] axis = 2 : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[PV:.*]] = kiln.concat %arg4, %arg2 axis = 2
// CHECK: %[[A:.*]] = kiln_kernel.attention %[[Q]], %[[PK]], %[[PV]] outs(%{{.*}} : tensor<1x4x1x8xf32>) {causal, causal_offset = 3 : i64, scale = 0.353553385 : f32}
// CHECK: return %[[A]], %[[PK]], %[[PV]]
func.func @attention_rotary_past(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>,
                                 %pk: tensor<1x2x3x8xf32>, %pv: tensor<1x2x3x8xf32>,
                                 %cos: tensor<1x1x4xf32>, %sin: tensor<1x1x4xf32>)
    -> (tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %a, %p:2 = kiln.attention %q, %k, %v past(%pk, %pv) rotary(%cos, %sin) scale = 0.353553385 causal {rotary_dim = 8 : i64} : (tensor<1x4x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x1x4xf32>, tensor<1x1x4xf32>) -> (tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
  return %a, %p#0, %p#1 : tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Norms over the last dim; the sum of a skip norm only when it is read.
// A norm over two trailing dims and a softmax over another axis stay.
// CHECK-LABEL: func.func @norms
// CHECK: kiln_kernel.norm %arg0 scale(%arg1 : tensor<16xf32>) bias(%arg2 : tensor<16xf32>) outs(%{{.*}} : tensor<2x4x16xf32>) {epsilon = 9.99999974E-6 : f32}
// CHECK: kiln_kernel.norm %arg0 skip(%arg3 : tensor<2x4x16xf32>) scale(%arg1 : tensor<16xf32>) outs(%{{.*}} : tensor<2x4x16xf32>) {epsilon = 9.99999974E-6 : f32, rms}
// CHECK: %{{.*}}:2 = kiln_kernel.norm %arg0 skip(%arg3 : tensor<2x4x16xf32>) scale(%arg1 : tensor<16xf32>) bias(%arg2 : tensor<16xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x4x16xf32>, tensor<2x4x16xf32>)
// CHECK: kiln.layer_norm %arg0, %arg4 axis = 1
// CHECK: kiln_kernel.softmax %arg0 outs(%{{.*}} : tensor<2x4x16xf32>) {log}
// CHECK: kiln.softmax %arg0 axis = 1
func.func @norms(%x: tensor<2x4x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %s: tensor<2x4x16xf32>,
                 %g2: tensor<4x16xf32>)
    -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) {
  %0 = kiln.layer_norm %x, %g, %b axis = 2 epsilon = 1.0e-5 : (tensor<2x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %1, %unused = kiln.skip_rms_norm %x, %s, %g axis = 2 epsilon = 1.0e-5 : (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<16xf32>) -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>)
  %2, %sum = kiln.skip_layer_norm %x, %s, %g, %b axis = 2 epsilon = 1.0e-5 : (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>)
  %3 = kiln.layer_norm %x, %g2 axis = 1 epsilon = 1.0e-5 : (tensor<2x4x16xf32>, tensor<4x16xf32>) -> tensor<2x4x16xf32>
  %4 = kiln.log_softmax %x axis = 2 : tensor<2x4x16xf32>
  %5 = kiln.softmax %x axis = 1 : tensor<2x4x16xf32>
  return %0, %1, %2, %sum, %3, %4, %5 : tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>
}

// -----

// A slice with a step on the last dim bufferizes to a view whose rows are
// not contiguous: its readers stay on the linalg path.
// CHECK-LABEL: func.func @strided_rows
// CHECK: kiln.matmul %{{.*}}, %arg1
// CHECK: kiln_kernel.gemm %{{.*}}, %arg1 row_major
func.func @strided_rows(%x: tensor<4x16xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %s = kiln.slice %x starts [0, 0] steps [1, 2] : tensor<4x16xf32> -> tensor<4x8xf32>
  %y = kiln.matmul %s, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r = kiln.slice %x starts [0, 0] steps [2, 1] : tensor<4x16xf32> -> tensor<2x16xf32>
  %r2 = kiln.reshape %r : tensor<2x16xf32> -> tensor<4x8xf32>
  %z = kiln.matmul %r2, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %y, %z : tensor<4x8xf32>, tensor<4x8xf32>
}
