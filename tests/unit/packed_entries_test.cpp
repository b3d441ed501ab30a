// Packed map entries (userspace/packed_entries.h): what is kept of a value is enough to write it
// back byte for byte, equal values pack equal, and a value read back from the kernel that packing
// would not reproduce is never taken for one that it does.
#include "userspace/packed_entries.h"

#include <gtest/gtest.h>

#include "userspace/map_contents.h"
#include "userspace/zone_view.h"

namespace xgslb {
namespace {

const uint64_t kSeed[2] = {3, 5};

MapContents contents_of(const std::string& records) {
    return build_map_contents(*ZoneView::build(parse_config(R"(instance: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["10.77.0.2:53"]}
records:
)" + records, "packed.yaml")),
                              kSeed);
}

xgslb_rrset_key rrset_key(uint64_t hash, uint16_t type) {
    xgslb_rrset_key k{};
    k.name_hash = hash;
    k.qtype = type;
    return k;
}

TEST(PackedEntries, RrsetKeepsOnlyWhatIsUsedAndExpandsToTheSameBytes) {
    const MapContents m = contents_of("  - {name: a.cloud.example.com, a: [10.0.0.1, 10.0.0.2]}\n");
    ASSERT_FALSE(m.rrsets.empty());
    for (size_t i = 0; i < m.rrsets.size(); ++i) {
        const xgslb_rrset v = m.rrsets.value(i);
        // Header, no groups (a plain record), the records once.
        EXPECT_EQ(m.rrsets.packed(i).size(), RrsetPacking::kHeader + v.wire_len) << i;
        RrsetEntries again;
        again.append(m.rrsets.key(i), v);
        EXPECT_TRUE(again.same_value(0, m.rrsets, i));
        EXPECT_TRUE(same_bytes(again.value(0), v));
        // The second copy of the records follows the first.
        EXPECT_EQ(std::memcmp(v.wire, v.wire + v.wire_len, v.wire_len), 0);
    }
}

TEST(PackedEntries, ExpandIntoAReusedBufferLeavesItZeroAfterClear) {
    const MapContents m = contents_of("  - {name: a.cloud.example.com, a: [10.0.0.1], aaaa: [\"2001:db8::1\"]}\n");
    auto buffer = std::make_unique<xgslb_rrset>();
    const auto zero = std::make_unique<xgslb_rrset>();
    for (size_t i = 0; i < m.rrsets.size(); ++i) {
        RrsetEntries::packing_expand(m.rrsets.packed(i), *buffer);
        EXPECT_TRUE(same_bytes(*buffer, m.rrsets.value(i)));
        RrsetEntries::packing_clear(m.rrsets.packed(i), *buffer);
        EXPECT_TRUE(same_bytes(*buffer, *zero)) << i;
    }
}

TEST(PackedEntries, ReadBackValueThatPackingWouldChangeIsUnknown) {
    const MapContents m = contents_of("  - {name: a.cloud.example.com, a: [10.0.0.1]}\n");
    ASSERT_EQ(m.rrsets.size(), 2u);  // a and ns1
    RrsetEntries read;
    xgslb_rrset same = m.rrsets.value(0);
    read.append_read_back(m.rrsets.key(0), same);
    xgslb_rrset odd = m.rrsets.value(1);
    odd.wire[sizeof odd.wire - 1] = 0x55;  // past both copies: never written by us
    read.append_read_back(m.rrsets.key(1), odd);
    EXPECT_TRUE(read.same_value(0, m.rrsets, 0));
    EXPECT_FALSE(read.same_value(1, m.rrsets, 1));
    EXPECT_FALSE(read.same_value(1, read, 1));  // unknown equals nothing, itself included

    xgslb_name name = m.names.value(0);
    NameEntries names;
    names.append_read_back(m.names.key(0), name);
    name.text[sizeof name.text - 1] = 'x';  // after the NUL
    names.append_read_back(m.names.key(1), name);
    EXPECT_TRUE(names.same_value(0, m.names, 0));
    EXPECT_FALSE(names.same_value(1, names, 1));
}

TEST(PackedEntries, SortPutsADumpInKeyOrder) {
    const MapContents m = contents_of("  - {name: a.cloud.example.com, a: [10.0.0.1]}\n"
                                      "  - {name: b.cloud.example.com, a: [10.0.0.2]}\n");
    ASSERT_TRUE(m.rrsets.sorted());
    RrsetEntries dump;
    for (size_t i = m.rrsets.size(); i-- > 0;) dump.append_read_back(m.rrsets.key(i), m.rrsets.value(i));
    EXPECT_FALSE(dump.sorted());
    dump.sort();
    ASSERT_TRUE(dump.sorted());
    ASSERT_EQ(dump.size(), m.rrsets.size());
    for (size_t i = 0; i < dump.size(); ++i) {
        EXPECT_TRUE(same_bytes(dump.key(i), m.rrsets.key(i)));
        EXPECT_TRUE(dump.same_value(i, m.rrsets, i));
    }
    EXPECT_EQ(dump.find(rrset_key(1, 1)), RrsetEntries::npos);
    EXPECT_EQ(dump.find(m.rrsets.key(1)), 1u);
    EXPECT_THROW(dump.at(rrset_key(1, 1)), std::out_of_range);
}

}  // namespace
}  // namespace xgslb
