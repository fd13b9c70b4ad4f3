//===- HostTensorTest.cpp - the host constant evaluator behind folding -----===//
#include "dialects/kiln/ConstantFolding.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace kiln;

TEST(HostTensor, RoundTripsSignedAndUnsignedIntegers) {
  MLIRContext ctx;
  auto u8 = IntegerType::get(&ctx, 8, IntegerType::Unsigned);
  auto type = RankedTensorType::get({3}, u8);
  auto attr = DenseElementsAttr::get(
      type, llvm::ArrayRef<APInt>{APInt(8, 0), APInt(8, 200), APInt(8, 255)});
  auto t = HostTensor::fromAttr(attr);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->getI(1), 200); // unsigned, not -56
  EXPECT_EQ(t->toAttr(), attr);
}

TEST(HostTensor, WrapsToTheIntegerRange) {
  MLIRContext ctx;
  Builder b(&ctx);
  EXPECT_EQ(wrapToIntType(b.getIntegerType(8), 130), -126);
  EXPECT_EQ(wrapToIntType(IntegerType::get(&ctx, 8, IntegerType::Unsigned), -1), 255);
  EXPECT_EQ(wrapToIntType(b.getI1Type(), 3), 1);
}

TEST(HostTensor, BroadcastIndexWalksRowMajor) {
  std::vector<std::pair<int64_t, int64_t>> seen;
  int64_t shapeA[] = {2, 1}, shapeB[] = {3};
  forEachBroadcastIndex({2, 3}, {shapeA, shapeB},
                        [&](int64_t r, llvm::ArrayRef<int64_t> in) {
                          EXPECT_EQ(r, (int64_t)seen.size());
                          seen.push_back({in[0], in[1]});
                        });
  std::vector<std::pair<int64_t, int64_t>> want = {{0, 0}, {0, 1}, {0, 2},
                                                   {1, 0}, {1, 1}, {1, 2}};
  EXPECT_EQ(seen, want);
}

TEST(HostTensor, RefusesLargeNonSplatConstants) {
  MLIRContext ctx;
  Builder b(&ctx);
  std::vector<float> big(kMaxFoldElements + 1, 1.0f);
  big[0] = 2.0f;
  auto type = RankedTensorType::get({(int64_t)big.size()}, b.getF32Type());
  auto attr = DenseElementsAttr::get(type, llvm::ArrayRef<float>(big));
  EXPECT_FALSE(HostTensor::fromAttr(attr));
}
