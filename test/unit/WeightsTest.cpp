//===- WeightsTest.cpp - where a context's weights live -------------------===//
//
// kiln_weights_place: the huge-page copy holds the same bytes as the source,
// is shared by every context of one weights id (and only of that id), and
// outlives the first context that closes it; in-place and small auto
// placements leave the weights where they are.
//
//===----------------------------------------------------------------------===//
extern "C" {
#include "weights.h"
}

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

struct FakeModel {
  std::vector<unsigned char> bytes;
  kiln_model model{};
  FakeModel(uint64_t id, size_t size) : bytes(size) {
    for (size_t i = 0; i < size; ++i)
      bytes[i] = (unsigned char)(i * 131 + id);
    model.abi_version = KILN_ABI_VERSION;
    model.name = "fake";
    model.weights_size = size;
    model.embedded_weights = bytes.data();
    model.weights_id = id;
  }
};

kiln_weights openPlaced(const FakeModel &m, int32_t placement) {
  kiln_weights w;
  char msg[256];
  EXPECT_EQ(kiln_weights_open(&m.model, nullptr, &w, msg, sizeof msg), KILN_OK) << msg;
  EXPECT_EQ(kiln_weights_place(&w, m.model.weights_id, m.model.weights_size, placement, msg,
                               sizeof msg),
            KILN_OK)
      << msg;
  return w;
}

bool holds(const kiln_weights &w, const FakeModel &m) {
  return std::memcmp(w.data, m.bytes.data(), m.bytes.size()) == 0;
}

TEST(Weights, HugePageCopyIsSharedPerWeightsId) {
  // Not a multiple of 2 MiB: the tail of the last huge page is slack.
  FakeModel a(7, (3u << 20) + 4097), b(8, (3u << 20) + 4097);
  kiln_weights a1 = openPlaced(a, KILN_WEIGHTS_HUGE_PAGES);
  kiln_weights a2 = openPlaced(a, KILN_WEIGHTS_HUGE_PAGES);
  kiln_weights b1 = openPlaced(b, KILN_WEIGHTS_HUGE_PAGES);
  ASSERT_NE(a1.copy, nullptr);
  EXPECT_NE(a1.data, (const void *)a.bytes.data());
  EXPECT_EQ(a1.data, a2.data);
  EXPECT_NE(b1.data, a1.data);
  EXPECT_EQ((uintptr_t)a1.data % (2u << 20), 0u);
  EXPECT_TRUE(holds(a1, a));
  EXPECT_TRUE(holds(b1, b));
  kiln_weights_close(&a1);
  EXPECT_TRUE(holds(a2, a)); // still mapped for the other user
  kiln_weights_close(&a2);
  kiln_weights_close(&b1);
  // After the last user left, a new context gets a fresh copy.
  kiln_weights a3 = openPlaced(a, KILN_WEIGHTS_HUGE_PAGES);
  EXPECT_TRUE(holds(a3, a));
  kiln_weights_close(&a3);
}

TEST(Weights, InPlaceAndSmallAutoStayPut) {
  FakeModel m(9, 1u << 20);
  kiln_weights inPlace = openPlaced(m, KILN_WEIGHTS_IN_PLACE);
  EXPECT_EQ(inPlace.data, (const void *)m.bytes.data());
  EXPECT_EQ(inPlace.copy, nullptr);
  kiln_weights small = openPlaced(m, KILN_WEIGHTS_AUTO); // below 64 MiB
  EXPECT_EQ(small.data, (const void *)m.bytes.data());
  kiln_weights_close(&inPlace);
  kiln_weights_close(&small);
}

} // namespace
