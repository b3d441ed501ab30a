#include <gtest/gtest.h>

#include "userspace/cluster/reconnect_backoff.h"

namespace xgslb {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoff, DoublesWithJitterUpToTheCapAndResets) {
    ReconnectBackoff b(milliseconds(100), milliseconds(1000));
    const long ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (long ceiling : ceilings) {
        const auto d = b.next().count();
        EXPECT_GE(d, ceiling / 2);
        EXPECT_LE(d, ceiling);
    }
    b.reset();
    EXPECT_LE(b.next().count(), 100);
}

TEST(ReconnectBackoff, IsJittered) {
    // 200 draws from [500, 1000] cannot all be equal unless the jitter is missing.
    ReconnectBackoff b(milliseconds(1000), milliseconds(1000));
    const auto first = b.next();
    bool differs = false;
    for (int i = 0; i < 200; ++i) differs |= b.next() != first;
    EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace xgslb
