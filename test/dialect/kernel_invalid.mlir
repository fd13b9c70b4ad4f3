// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @packed_shape(%x: tensor<8x32xf32>, %w: tensor<1x32x48xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{packed b [1x32x48] is not [ceil(64/NR), 32, NR]}}
  %y = kiln_kernel.gemm %x, %w packed outs(%e : tensor<8x64xf32>) : tensor<8x32xf32>, tensor<1x32x48xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_k_split(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{k_split is -48; expected 0 (none) or a column count}}
  %y = kiln_kernel.gemm %x, %w row_major k_split = -48 outs(%e : tensor<8x64xf32>) : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_rows(%x: tensor<7x32xf32>, %w: tensor<32x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{a [7x32] does not have the result's 8 rows}}
  %y = kiln_kernel.gemm %x, %w row_major outs(%e : tensor<8x64xf32>) : tensor<7x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_batch(%x: tensor<2x8x32xf32>, %w: tensor<3x32x64xf32>) -> tensor<2x8x64xf32> {
  %e = tensor.empty() : tensor<2x8x64xf32>
  // expected-error @+1 {{b's batch dims [3] are neither the result's nor broadcast}}
  %y = kiln_kernel.gemm %x, %w row_major outs(%e : tensor<2x8x64xf32>) : tensor<2x8x32xf32>, tensor<3x32x64xf32> -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

func.func @gemm_result_type(%x: memref<8x32xf32>, %w: memref<32x64xf32>, %c: memref<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{on memrefs has no results}}
  %y = "kiln_kernel.gemm"(%x, %w, %c) <{b_layout = 1 : i32, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 1>}> : (memref<8x32xf32>, memref<32x64xf32>, memref<8x64xf32>) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gqa(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) -> tensor<1x3x4x8xf32> {
  %e = tensor.empty() : tensor<1x3x4x8xf32>
  // expected-error @+1 {{query heads (3) are not a multiple of key/value heads (2, 2)}}
  %a = kiln_kernel.attention %q, %k, %k outs(%e : tensor<1x3x4x8xf32>) {scale = 1.0 : f32} : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return %a : tensor<1x3x4x8xf32>
}

// -----

func.func @mask(%q: tensor<1x2x4x8xf32>, %m: tensor<1x1x3x4xf32>) -> tensor<1x2x4x8xf32> {
  %e = tensor.empty() : tensor<1x2x4x8xf32>
  // expected-error @+1 {{mask [1x1x3x4] does not broadcast to [1x2x4x4]}}
  %a = kiln_kernel.attention %q, %q, %q mask(%m : tensor<1x1x3x4xf32>) outs(%e : tensor<1x2x4x8xf32>) {scale = 1.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %a : tensor<1x2x4x8xf32>
}

// -----

func.func @norm_sum(%x: tensor<4x16xf32>, %s: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{the sum output needs a skip operand}}
  %n:2 = kiln_kernel.norm %x scale(%s : tensor<16xf32>) outs(%e, %e : tensor<4x16xf32>, tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>, tensor<4x16xf32>
  return %n#0 : tensor<4x16xf32>
}

// -----

func.func @rms_bias(%x: tensor<4x16xf32>, %s: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{RMSNorm takes no bias}}
  %n = kiln_kernel.norm %x scale(%s : tensor<16xf32>) bias(%s : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32, rms} : tensor<4x16xf32> -> tensor<4x16xf32>
  return %n : tensor<4x16xf32>
}

// -----

func.func @gemm_norm_bias_alone(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{norm_bias, norm_epsilon, norm_rms and a second outs need norm_scale}}
  %y = kiln_kernel.gemm %x, %w row_major norm_bias(%g : tensor<64xf32>) outs(%e : tensor<8x64xf32>) : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_two_outs_no_norm(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{norm_bias, norm_epsilon, norm_rms and a second outs need norm_scale}}
  %y:2 = kiln_kernel.gemm %x, %w row_major outs(%e, %e : tensor<8x64xf32>, tensor<8x64xf32>) : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>, tensor<8x64xf32>
  return %y#0 : tensor<8x64xf32>
}

// -----

func.func @gemm_norm_epsilon(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{a norm epilogue needs norm_epsilon}}
  %y = kiln_kernel.gemm %x, %w row_major norm_scale(%g : tensor<64xf32>) outs(%e : tensor<8x64xf32>) : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_norm_scale_shape(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<32xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{norm_scale and norm_bias must be [64]; got [32]}}
  %y = kiln_kernel.gemm %x, %w row_major norm_scale(%g : tensor<32xf32>) outs(%e : tensor<8x64xf32>) {norm_epsilon = 1.0e-5 : f32} : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_norm_rms_bias(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{an RMSNorm epilogue takes no norm_bias}}
  %y = kiln_kernel.gemm %x, %w row_major norm_scale(%g : tensor<64xf32>) norm_bias(%g : tensor<64xf32>) outs(%e : tensor<8x64xf32>) {norm_epsilon = 1.0e-5 : f32, norm_rms} : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @gemm_norm_out_shape(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) -> tensor<2x4x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  %e2 = tensor.empty() : tensor<2x4x64xf32>
  // expected-error @+1 {{the norm's outs [2x4x64] differ from the result's [8x64]}}
  %y:2 = kiln_kernel.gemm %x, %w row_major norm_scale(%g : tensor<64xf32>) outs(%e, %e2 : tensor<8x64xf32>, tensor<2x4x64xf32>) {norm_epsilon = 1.0e-5 : f32} : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>, tensor<2x4x64xf32>
  return %y#1 : tensor<2x4x64xf32>
}

// -----

func.func @gemm_three_outs(%x: tensor<8x32xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  // expected-error @+1 {{needs one outs, or two with a norm epilogue}}
  %y:3 = kiln_kernel.gemm %x, %w row_major norm_scale(%g : tensor<64xf32>) outs(%e, %e, %e : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {norm_epsilon = 1.0e-5 : f32} : tensor<8x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
  return %y#0 : tensor<8x64xf32>
}
