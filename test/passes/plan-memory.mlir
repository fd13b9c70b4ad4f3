// RUN: kiln-opt %s --kiln-plan-memory | FileCheck %s

// %a dies when %b is made, so %c reuses %a's slot; %b lives across %c and
// gets its own. Every buffer is 1024 bytes; the arena holds two.
// CHECK: func.func @chain(%{{.*}}: memref<256xf32>, %{{.*}}: memref<256xf32>, %[[ARENA:.*]]: memref<2048xi8> {kiln.role = "arena"}) attributes {kiln.arena_size = 2048 : i64}
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c1024{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @chain(%in: memref<256xf32>, %out: memref<256xf32>) {
  %a = memref.alloc() : memref<256xf32>
  linalg.copy ins(%in : memref<256xf32>) outs(%a : memref<256xf32>)
  %b = memref.alloc() : memref<256xf32>
  linalg.copy ins(%a : memref<256xf32>) outs(%b : memref<256xf32>)
  %c = memref.alloc() : memref<256xf32>
  linalg.copy ins(%b : memref<256xf32>) outs(%c : memref<256xf32>)
  linalg.add ins(%b, %c : memref<256xf32>, memref<256xf32>) outs(%out : memref<256xf32>)
  memref.dealloc %a : memref<256xf32>
  return
}

// A use through a view keeps the buffer alive: %x is read via its collapse
// after %y is made, so they cannot share.
// CHECK-LABEL: func.func @views
// CHECK-SAME: memref<2048xi8> {kiln.role = "arena"}
func.func @views(%in: memref<16x16xf32>, %out: memref<256xf32>) {
  %x = memref.alloc() : memref<16x16xf32>
  linalg.copy ins(%in : memref<16x16xf32>) outs(%x : memref<16x16xf32>)
  %flat = memref.collapse_shape %x [[0, 1]] : memref<16x16xf32> into memref<256xf32>
  %y = memref.alloc() : memref<256xf32>
  linalg.copy ins(%flat : memref<256xf32>) outs(%y : memref<256xf32>)
  linalg.add ins(%flat, %y : memref<256xf32>, memref<256xf32>) outs(%out : memref<256xf32>)
  return
}
