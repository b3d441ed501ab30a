// xdp.expressSlots: the express table's size (maps/xgslb_abi.h), defaulted from maxRrsets,
// validated with the file, line and field named.
#include <gtest/gtest.h>

#include <string>

#include "maps/xgslb_abi.h"
#include "userspace/config.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

const std::string kBase = "instance: eu\nzones:\n  - zone: cloud.example.com\ndns:\n  listen: [\"10.77.0.2:53\"]\n";

std::string error_of(const std::string& yaml) {
    try {
        parse_config(kBase + yaml, "eu.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(ConfigExpress, DefaultIsHalfTheRrsetLimitAsAPowerOfTwo) {
    EXPECT_EQ(parse_config(kBase, "eu.yaml").xdp.express_slots, 65536u);
    EXPECT_EQ(parse_config(kBase + "xdp: {maxRrsets: 524288}\n", "eu.yaml").xdp.express_slots, 262144u);
    EXPECT_EQ(parse_config(kBase + "xdp: {maxRrsets: 100000}\n", "eu.yaml").xdp.express_slots, 65536u);
    EXPECT_EQ(parse_config(kBase + "xdp: {maxRrsets: 1024}\n", "eu.yaml").xdp.express_slots, 512u);
    EXPECT_EQ(parse_config(kBase + "xdp: {maxRrsets: 16777216}\n", "eu.yaml").xdp.express_slots,
              static_cast<uint32_t>(XGSLB_MAX_EXPRESS_SLOTS));
}

TEST(ConfigExpress, ExplicitSizeOrOff) {
    EXPECT_EQ(parse_config(kBase + "xdp: {expressSlots: 0}\n", "eu.yaml").xdp.express_slots, 0u);
    EXPECT_EQ(parse_config(kBase + "xdp: {expressSlots: 1024}\n", "eu.yaml").xdp.express_slots, 1024u);
    EXPECT_EQ(parse_config(kBase + "xdp: {maxRrsets: 4096, expressSlots: 64}\n", "eu.yaml").xdp.express_slots, 64u);
}

TEST(ConfigExpress, BadSizesNameFileLineAndField) {
    EXPECT_EQ(error_of("xdp:\n  expressSlots: 1000\n"),
              "eu.yaml:7: xdp.expressSlots: must be 0 (off) or a power of two from 64 to 2097152, not 1000");
    EXPECT_EQ(error_of("xdp:\n  expressSlots: 32\n"),
              "eu.yaml:7: xdp.expressSlots: must be 0 (off) or a power of two from 64 to 2097152, not 32");
    EXPECT_NE(error_of("xdp:\n  expressSlots: 4194304\n").find("eu.yaml:7: xdp.expressSlots: "), std::string::npos);
    EXPECT_NE(error_of("xdp:\n  expressSlots: lots\n").find("eu.yaml:7: xdp.expressSlots: "), std::string::npos);
}

}  // namespace
}  // namespace xgslb
