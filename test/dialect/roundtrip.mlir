// Every kiln op parses, verifies and prints back; printing twice is stable.
// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<4xi64>,
                       %u: tensor<4xui8>, %p: tensor<4xi1>, %q: tensor<1xi1>) {
  // CHECK: kiln.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.sub
  %1 = kiln.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.mul
  %2 = kiln.mul %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.div
  %3 = kiln.div %i, %i : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  // CHECK: kiln.pow
  %4 = kiln.pow %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.max
  %5 = kiln.max %u, %u : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  // CHECK: kiln.min
  %6 = kiln.min %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.mod
  %7 = kiln.mod %i, %i : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  // CHECK: kiln.rem
  %8 = kiln.rem %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.and
  %9 = kiln.and %p, %q : (tensor<4xi1>, tensor<1xi1>) -> tensor<4xi1>
  // CHECK: kiln.or
  %10 = kiln.or %p, %p : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: kiln.xor
  %11 = kiln.xor %p, %p : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: kiln.cmp lt, %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %12 = kiln.cmp lt, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.cmp eq
  %13 = kiln.cmp eq, %u, %u : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  // CHECK: kiln.neg %{{.*}} : tensor<2x3xf32>
  %14 = kiln.neg %a : tensor<2x3xf32>
  %15 = kiln.abs %i : tensor<4xi64>
  %16 = kiln.sign %a : tensor<2x3xf32>
  %17 = kiln.relu %a : tensor<2x3xf32>
  %18 = kiln.not %p : tensor<4xi1>
  %19 = kiln.exp %a : tensor<2x3xf32>
  %20 = kiln.log %a : tensor<2x3xf32>
  %21 = kiln.sqrt %a : tensor<2x3xf32>
  %22 = kiln.rsqrt %a : tensor<2x3xf32>
  %23 = kiln.reciprocal %a : tensor<2x3xf32>
  %24 = kiln.tanh %a : tensor<2x3xf32>
  %25 = kiln.erf %a : tensor<2x3xf32>
  %26 = kiln.sigmoid %a : tensor<2x3xf32>
  %27 = kiln.sin %a : tensor<2x3xf32>
  %28 = kiln.cos %a : tensor<2x3xf32>
  %29 = kiln.floor %a : tensor<2x3xf32>
  %30 = kiln.ceil %a : tensor<2x3xf32>
  // CHECK: kiln.round
  %31 = kiln.round %a : tensor<2x3xf32>
  // CHECK: kiln.cast %{{.*}} : tensor<4xi64> to tensor<4xf16>
  %32 = kiln.cast %i : tensor<4xi64> to tensor<4xf16>
  return
}

// CHECK-LABEL: func.func @tensors
func.func @tensors(%a: tensor<2x3xf32>, %i: tensor<4xi64>, %c: tensor<2x1xi1>) {
  // CHECK: kiln.constant dense<[1, 128]> : tensor<2xi64>
  %0 = kiln.constant dense<[1, 128]> : tensor<2xi64>
  // CHECK: kiln.constant dense_resource<blob> : tensor<2xf32>
  %w = kiln.constant dense_resource<blob> : tensor<2xf32>
  // CHECK: kiln.reshape %{{.*}} : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = kiln.reshape %a : tensor<2x3xf32> -> tensor<3x2xf32>
  // CHECK: kiln.transpose %{{.*}} [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %2 = kiln.transpose %a [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  // CHECK: kiln.slice %{{.*}} starts [0, 2] steps [1, -1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = kiln.slice %a starts [0, 2] steps [1, -1] : tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: kiln.concat %{{.*}}, %{{.*}} axis = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  %4 = kiln.concat %a, %a axis = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  // CHECK: kiln.gather %{{.*}}[%{{.*}}] axis = 1 : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x4xf32>
  %5 = kiln.gather %a[%i] axis = 1 : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x4xf32>
  // CHECK: kiln.expand %{{.*}} : tensor<2x1xi1> -> tensor<5x2x3xi1>
  %6 = kiln.expand %c : tensor<2x1xi1> -> tensor<5x2x3xi1>
  // CHECK: kiln.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %b = kiln.constant dense<0.0> : tensor<3xf32>
  %7 = kiln.where %c, %a, %b : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @nn
func.func @nn(%x: tensor<1x8x64xf32>, %w: tensor<32x64xf32>, %g: tensor<64xf32>) {
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} transpose_rhs : (tensor<1x8x64xf32>, tensor<32x64xf32>) -> tensor<1x8x32xf32>
  %0 = kiln.matmul %x, %w transpose_rhs : (tensor<1x8x64xf32>, tensor<32x64xf32>) -> tensor<1x8x32xf32>
  // CHECK: kiln.softmax %{{.*}} axis = 2 : tensor<1x8x64xf32>
  %1 = kiln.softmax %x axis = 2 : tensor<1x8x64xf32>
  %2 = kiln.log_softmax %x axis = 1 : tensor<1x8x64xf32>
  // CHECK: kiln.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 2 epsilon = 9.99999974E-6
  %3 = kiln.layer_norm %x, %g, %g axis = 2 epsilon = 1.0e-5 : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  // CHECK: kiln.layer_norm %{{.*}}, %{{.*}} axis = 2
  %4 = kiln.layer_norm %x, %g axis = 2 epsilon = 1.0e-5 : (tensor<1x8x64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  // CHECK: kiln.rms_norm
  %5 = kiln.rms_norm %x, %g axis = 2 epsilon = 1.0e-6 : (tensor<1x8x64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  // CHECK: kiln.gelu %{{.*}} tanh : tensor<1x8x64xf32>
  %6 = kiln.gelu %x tanh : tensor<1x8x64xf32>
  // CHECK: kiln.gelu %{{.*}} none
  %7 = kiln.gelu %x none : tensor<1x8x64xf32>
  // CHECK: kiln.reduce mean %{{.*}} axes [2] keep_dims : tensor<1x8x64xf32> -> tensor<1x8x1xf32>
  %8 = kiln.reduce mean %x axes [2] keep_dims : tensor<1x8x64xf32> -> tensor<1x8x1xf32>
  // CHECK: kiln.reduce sum_square %{{.*}} axes [0, 2] : tensor<1x8x64xf32> -> tensor<8xf32>
  %9 = kiln.reduce sum_square %x axes [0, 2] : tensor<1x8x64xf32> -> tensor<8xf32>
  // CHECK: kiln.argmax %{{.*}} axis = 2 select_last_index : tensor<1x8x64xf32> -> tensor<1x8xi64>
  %10 = kiln.argmax %x axis = 2 select_last_index : tensor<1x8x64xf32> -> tensor<1x8xi64>
  return
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x8x4x16xf32>, %k: tensor<1x2x4x16xf32>,
                     %v: tensor<1x2x4x16xf32>, %pk: tensor<1x2x6x16xf32>,
                     %m: tensor<1x1x4x10xi1>, %bias: tensor<4x4xf32>,
                     %cos: tensor<1x4x4xf32>) {
  // CHECK: kiln.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 2.500000e-01 : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32>
  %0 = kiln.attention %q, %k, %v scale = 0.25 : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32>
  // CHECK: kiln.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) past(%{{.*}}, %{{.*}}) scale = 2.500000e-01 causal {softcap = 3.000000e+01 : f32}
  %1:3 = kiln.attention %q, %k, %v mask(%m) past(%pk, %pk) scale = 0.25 causal {softcap = 30.0 : f32} : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x1x4x10xi1>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10x16xf32>)
  // CHECK: kiln.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) scale
  %2 = kiln.attention %q, %k, %v mask(%bias) scale = 0.25 : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<4x4xf32>) -> tensor<1x8x4x16xf32>
  // CHECK: kiln.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} rotary_dim = 8 interleaved
  %3 = kiln.rotary_embedding %q, %cos, %cos rotary_dim = 8 interleaved : (tensor<1x8x4x16xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x8x4x16xf32>
  return
}

// CHECK-LABEL: func.func @quant
func.func @quant(%x: tensor<4x8xf32>, %s: tensor<f32>, %cs: tensor<8xf32>,
                 %zp: tensor<ui8>, %czp: tensor<8xi8>, %w: tensor<8x16xi8>) {
  // CHECK: kiln.quantize_linear %{{.*}}, %{{.*}}, %{{.*}} axis = 1 : (tensor<4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x8xui8>
  %q = kiln.quantize_linear %x, %s, %zp axis = 1 : (tensor<4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x8xui8>
  // CHECK: kiln.quantize_linear %{{.*}}, %{{.*}}, %{{.*}} axis = 1 : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  %qc = kiln.quantize_linear %x, %cs, %czp axis = 1 : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  // CHECK: kiln.dequantize_linear
  %d = kiln.dequantize_linear %q, %s, %zp axis = 1 : (tensor<4x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x8xf32>
  // CHECK: kiln.dynamic_quantize_linear %{{.*}} : (tensor<4x8xf32>) -> (tensor<4x8xui8>, tensor<f32>, tensor<ui8>)
  %y, %ys, %yz = kiln.dynamic_quantize_linear %x : (tensor<4x8xf32>) -> (tensor<4x8xui8>, tensor<f32>, tensor<ui8>)
  %wz = kiln.constant dense<0> : tensor<i8>
  // CHECK: kiln.matmul_integer %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x8xui8>, tensor<8x16xi8>, tensor<ui8>, tensor<i8>) -> tensor<4x16xi32>
  %acc = kiln.matmul_integer %y, %w, %yz, %wz : (tensor<4x8xui8>, tensor<8x16xi8>, tensor<ui8>, tensor<i8>) -> tensor<4x16xi32>
  return
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
