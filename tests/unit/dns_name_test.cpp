#include "userspace/dns_name.h"

#include <gtest/gtest.h>

#include "userspace/error.h"

namespace xgslb {
namespace {

WireName bytes(const std::string& s) { return WireName(s.begin(), s.end()); }

TEST(DnsName, TextToWire) {
    EXPECT_EQ(name_to_wire("www.Example.com"), bytes(std::string("\3www\7Example\3com", 16) + '\0'));
    EXPECT_EQ(name_to_wire("www.example.com."), name_to_wire("www.example.com"));
    EXPECT_EQ(name_to_wire("."), WireName{0});
    EXPECT_EQ(name_to_wire("a"), (WireName{1, 'a', 0}));
}

TEST(DnsName, Escapes) {
    EXPECT_EQ(name_to_wire("a\\.b.c"), (WireName{3, 'a', '.', 'b', 1, 'c', 0}));
    EXPECT_EQ(name_to_wire("\\065\\000.x"), (WireName{2, 'A', 0, 1, 'x', 0}));
    EXPECT_EQ(name_to_wire("a\\\\b"), (WireName{3, 'a', '\\', 'b', 0}));
    EXPECT_THROW(name_to_wire("\\256"), Error);
    EXPECT_THROW(name_to_wire("abc\\"), Error);
    // Round trip: what cannot be printed is escaped.
    EXPECT_EQ(wire_to_name(name_to_wire("a\\.b.c")), "a\\.b.c.");
    EXPECT_EQ(wire_to_name(name_to_wire("\\000\\255 x.y")), "\\000\\255\\032x.y.");
}

TEST(DnsName, LabelAndNameLimits) {
    const std::string l63(63, 'a'), l64(64, 'a');
    EXPECT_EQ(name_to_wire(l63 + ".com").size(), 1 + 63 + 4 + 1u);
    EXPECT_THROW(name_to_wire(l64 + ".com"), Error);
    // 255 octets: three 63-octet labels and one 61-octet label (4*64-2+1 = 255 with the root).
    const std::string max = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
    EXPECT_EQ(name_to_wire(max).size(), 255u);
    EXPECT_THROW(name_to_wire(max + "b"), Error);
    EXPECT_THROW(name_to_wire(""), Error);
    EXPECT_THROW(name_to_wire("a..b"), Error);
    EXPECT_THROW(name_to_wire(".a"), Error);
}

TEST(DnsName, WireToNameRejectsMalformed) {
    EXPECT_EQ(wire_to_name(WireName{0}), ".");
    EXPECT_THROW(wire_to_name(WireName{3, 'a', 'b'}), Error);  // truncated
    EXPECT_THROW(wire_to_name(WireName{1, 'a'}), Error);       // no root label
    EXPECT_THROW(wire_to_name(WireName{0xc0, 0x0c}), Error);   // pointers are not names
}

TEST(DnsName, CaseFoldingIsAsciiOnly) {
    EXPECT_EQ(lowercase(name_to_wire("WwW.ExAmPlE.")), name_to_wire("www.example."));
    EXPECT_EQ(lowercase(WireName{2, 0xc4, '[', 0}), (WireName{2, 0xc4, '[', 0}));
    EXPECT_EQ(canonical_name("WWW.Example.COM"), "www.example.com.");
}

TEST(DnsName, SubdomainAndParent) {
    const WireName zone = name_to_wire("example.com");
    EXPECT_TRUE(is_subdomain(name_to_wire("example.com"), zone));
    EXPECT_TRUE(is_subdomain(name_to_wire("a.b.EXAMPLE.com"), zone));
    EXPECT_FALSE(is_subdomain(name_to_wire("badexample.com"), zone));  // not on a label boundary
    EXPECT_FALSE(is_subdomain(name_to_wire("com"), zone));
    EXPECT_TRUE(is_subdomain(name_to_wire("anything"), name_to_wire(".")));
    EXPECT_EQ(parent_name(name_to_wire("a.b.c")), name_to_wire("b.c"));
    EXPECT_EQ(parent_name(name_to_wire("c")), name_to_wire("."));
    EXPECT_EQ(parent_name(name_to_wire(".")), name_to_wire("."));
}

}  // namespace
}  // namespace xgslb
