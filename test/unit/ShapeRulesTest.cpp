//===- ShapeRulesTest.cpp - broadcasting and matmul shape rules ------------===//
#include "dialects/kiln/ShapeRules.h"

#include <gtest/gtest.h>

using namespace kiln;
using llvm::SmallVector;
static constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

TEST(ShapeRules, BroadcastRightAligns) {
  auto r = broadcastShapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{2, 3, 4}));
}

TEST(ShapeRules, BroadcastRejectsMismatch) {
  EXPECT_FALSE(broadcastShapes({2, 3}, {4}));
}

TEST(ShapeRules, BroadcastKeepsDynamicUnlessOtherSideFixesIt) {
  auto r = broadcastShapes({kDyn, 1}, {5, kDyn});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{5, kDyn}));
}

TEST(ShapeRules, BroadcastsToIsOneWay) {
  EXPECT_TRUE(broadcastsTo({1, 4}, {3, 4}));
  EXPECT_FALSE(broadcastsTo({3, 4}, {1, 4}));
  EXPECT_FALSE(broadcastsTo({1, 1, 4}, {3, 4}));
}

TEST(ShapeRules, MatmulShapeBroadcastsBatchAndHonoursTransposes) {
  auto r = matmulShape({2, 1, 8, 16}, {3, 32, 16}, false, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{2, 3, 8, 32}));
  EXPECT_FALSE(matmulShape({8, 16}, {8, 16}, false, false));
  EXPECT_TRUE(matmulShape({16, 8}, {16, 4}, true, false));
}

TEST(ShapeRules, NormalizeAxis) {
  EXPECT_EQ(normalizeAxis(-1, 3), 2);
  EXPECT_EQ(normalizeAxis(2, 3), 2);
  EXPECT_FALSE(normalizeAxis(3, 3));
  EXPECT_FALSE(normalizeAxis(-4, 3));
}
