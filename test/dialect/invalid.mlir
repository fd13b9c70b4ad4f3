// Verifiers reject bad shapes and types with a message.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @add_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes do not broadcast: 2x3 vs 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @add_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @add_mixed_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{requires the same element type for all operands}}
  %0 = kiln.add %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @exp_of_int(%a: tensor<3xi32>) {
  // expected-error @+1 {{must be ranked tensor of}}
  %0 = kiln.exp %a : tensor<3xi32>
  return
}

// -----

func.func @cast_changes_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{changes the shape from 3 to 4}}
  %0 = kiln.cast %a : tensor<3xf32> to tensor<4xi32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot reshape 2x3 (6 elements) to 4x2 (8 elements)}}
  %0 = kiln.reshape %a : tensor<2x3xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @transpose_not_perm(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{is not a permutation of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.transpose %a [0, 0] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_out_of_bounds(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{dim 1 reads [1 .. 3] outside the input's size 3}}
  %0 = kiln.slice %a starts [0, 1] steps [1, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_zero_step(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{step of dim 0 is zero}}
  %0 = kiln.slice %a starts [0, 0] steps [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+2 {{concat inputs differ in dim 1: 3 vs 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a, %b axis = 0 : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{concat axis 2 is outside rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a axis = 2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_axis(%a: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+2 {{gather axis 2 is outside rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather %a[%i] axis = 2 : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @expand_bad(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{input shape 2x3 does not broadcast to 4x3}}
  %0 = kiln.expand %a : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @where_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{true and false values differ in element type}}
  %0 = kiln.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) {
  // expected-error @+2 {{matmul operands 4x8 and 4x8 do not multiply}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is outside [0, 2)}}
  %0 = kiln.softmax %a axis = 2 : tensor<4x8xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{scale shape 4 does not broadcast to the normalised dims 8}}
  %0 = kiln.layer_norm %x, %g axis = 1 epsilon = 1.0e-5 : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_eps(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be non-negative}}
  %0 = kiln.layer_norm %x, %g axis = 1 epsilon = -1.0 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @rms_norm_type(%x: tensor<2x8xf32>, %g: tensor<8xf16>) {
  // expected-error @+1 {{scale element type 'f16' differs from the input's 'f32'}}
  %0 = kiln.rms_norm %x, %g axis = 1 epsilon = 1.0e-5 : (tensor<2x8xf32>, tensor<8xf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @reduce_axes(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{reduction axes must be sorted, unique and in [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce sum %x axes [1, 0] : tensor<2x8xf32> -> tensor<f32>
  return
}

// -----

func.func @reduce_mean_int(%x: tensor<2x8xi32>) {
  // expected-error @+1 {{reduction 'mean' needs a float element type}}
  %0 = kiln.reduce mean %x axes [1] : tensor<2x8xi32> -> tensor<2xi32>
  return
}

// -----

func.func @attention_rank(%q: tensor<8x4x16xf32>) {
  // expected-error @+1 {{q, k and v must be rank 4}}
  %0 = kiln.attention %q, %q, %q scale = 1.0 : (tensor<8x4x16xf32>, tensor<8x4x16xf32>, tensor<8x4x16xf32>) -> tensor<8x4x16xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<1x6x4x16xf32>, %k: tensor<1x4x4x16xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = kiln.attention %q, %k, %k scale = 1.0 : (tensor<1x6x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x6x4x16xf32>
  return
}

// -----

func.func @attention_mask(%q: tensor<1x2x4x16xf32>, %m: tensor<1x1x4x5xf32>) {
  // expected-error @+1 {{mask shape 1x1x4x5 does not broadcast to the scores 1x2x4x4}}
  %0 = kiln.attention %q, %q, %q mask(%m) scale = 1.0 : (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x1x4x5xf32>) -> tensor<1x2x4x16xf32>
  return
}

// -----

func.func @attention_present(%q: tensor<1x2x4x16xf32>, %p: tensor<1x2x3x16xf32>) {
  // expected-error @+1 {{present_key/present_value must be k/v with length 7}}
  %0:3 = kiln.attention %q, %q, %q past(%p, %p) scale = 1.0 : (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>) -> (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>)
  return
}

// -----

func.func @attention_one_present(%q: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{yields either no presents or present_key and present_value}}
  %0:2 = kiln.attention %q, %q, %q scale = 1.0 : (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>)
  return
}

// -----

func.func @rotary_dim(%x: tensor<1x2x4x16xf32>, %c: tensor<1x4x8xf32>) {
  // expected-error @+1 {{rotary_dim 7 must be even, positive and at most the head size 16}}
  %0 = kiln.rotary_embedding %x, %c, %c rotary_dim = 7 : (tensor<1x2x4x16xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x2x4x16xf32>
  return
}

// -----

func.func @rotary_cache(%x: tensor<1x2x4x16xf32>, %c: tensor<1x4x4xf32>) {
  // expected-error @+1 {{cos/sin must broadcast to 1x4x8 of the input type, got 1x4x4}}
  %0 = kiln.rotary_embedding %x, %c, %c rotary_dim = 16 : (tensor<1x2x4x16xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4x16xf32>
  return
}

// -----

func.func @quantize_zp_type(%x: tensor<4x8xf32>, %s: tensor<f32>, %zp: tensor<i8>) {
  // expected-error @+1 {{result element type must be the zero point's}}
  %0 = kiln.quantize_linear %x, %s, %zp axis = 1 : (tensor<4x8xf32>, tensor<f32>, tensor<i8>) -> tensor<4x8xui8>
  return
}

// -----

func.func @quantize_channels(%x: tensor<4x8xf32>, %s: tensor<4xf32>, %zp: tensor<ui8>) {
  // expected-error @+1 {{scale has 4 channels but dim 1 is 8}}
  %0 = kiln.quantize_linear %x, %s, %zp axis = 1 : (tensor<4x8xf32>, tensor<4xf32>, tensor<ui8>) -> tensor<4x8xui8>
  return
}

// -----

func.func @matmul_integer_zp(%a: tensor<4x8xui8>, %b: tensor<8x16xi8>, %za: tensor<ui8>, %zb: tensor<4xi8>) {
  // expected-error @+1 {{rhs zero point must be a scalar or per column [N]}}
  %0 = kiln.matmul_integer %a, %b, %za, %zb : (tensor<4x8xui8>, tensor<8x16xi8>, tensor<ui8>, tensor<4xi8>) -> tensor<4x16xi32>
  return
}

// -----

func.func @linear_bias_shape(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias 16 does not broadcast to the result 8x32}}
  %0 = kiln.linear %x, %w bias(%b) : (tensor<8x16xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x32xf32>
  return
}

// -----

func.func @linear_residual_type(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %r: tensor<1x32xf32>) {
  // expected-error @+1 {{residual must have the result type 'tensor<8x32xf32>'}}
  %0 = kiln.linear %x, %w residual(%r) : (tensor<8x16xf32>, tensor<16x32xf32>, tensor<1x32xf32>) -> tensor<8x32xf32>
  return
}

// -----

func.func @linear_batched_weight(%x: tensor<2x8x16xf32>, %w: tensor<2x16x32xf32>) {
  // expected-error @+2 {{do not multiply as [..., M, K] x [K, N]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.linear %x, %w : (tensor<2x8x16xf32>, tensor<2x16x32xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @skip_norm_types(%x: tensor<2x16xf32>, %s: tensor<1x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{all of {input, skip, result, sum} have same type}}
  %0:2 = kiln.skip_layer_norm %x, %s, %g axis = 1 epsilon = 1.0e-5 : (tensor<2x16xf32>, tensor<1x16xf32>, tensor<16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>)
  return
}

// -----

func.func @skip_norm_scale(%x: tensor<2x16xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{scale shape 8 does not broadcast to the normalised dims 16}}
  %0:2 = kiln.skip_rms_norm %x, %x, %g axis = 1 epsilon = 1.0e-5 : (tensor<2x16xf32>, tensor<2x16xf32>, tensor<8xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>)
  return
}

// -----

func.func @rotary_attention_dim(%q: tensor<1x8x4x16xf32>, %c: tensor<1x4x8xf32>) {
  // expected-error @+1 {{rotary_dim 18 must be even, positive and at most the head size 16}}
  %0 = kiln.attention %q, %q, %q rotary(%c, %c) scale = 0.25 {rotary_dim = 18 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @rotary_attention_table(%q: tensor<1x8x4x16xf32>, %c: tensor<1x4x16xf32>) {
  // expected-error @+1 {{rotary cos/sin must broadcast to 1x4x8, got 1x4x16}}
  %0 = kiln.attention %q, %q, %q rotary(%c, %c) scale = 0.25 {rotary_dim = 16 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @rotary_dim_without_tables(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{rotary_dim/rotary_interleaved need rotary cos/sin}}
  %0 = kiln.attention %q, %q, %q scale = 0.25 {rotary_dim = 16 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) -> tensor<1x8x4x16xf32>
  return
}
