// What the packet-test tables share: the loaded program with the fixture published through the
// real controller path, the query builders the cases start from, the expectation of a case,
// and the check that turns (query, run, expectation) into a list of readable differences.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "maps/xgslb_abi.h"
#include "tests/bpf/dns_frame_decoder.h"
#include "tests/bpf/frame_builder.h"
#include "tests/bpf/xdp_test_run.h"
#include "userspace/config.h"
#include "userspace/xdp_program.h"
#include "userspace/zone_view.h"

namespace xgslb::test {

inline constexpr const char* kFixture = "tests/fixtures/packet_tests.yaml";
inline constexpr const char* kClientV4 = "10.77.0.1";
inline constexpr const char* kServerV4 = "10.77.0.2";  // in dns.listen
inline constexpr const char* kClientV6 = "fd77::1";
inline constexpr const char* kServerV6 = "fd77::2";    // in dns.listen
inline constexpr MacAddr kClientMac{0x02, 0xc1, 0x1e, 0x00, 0x00, 0x01};
inline constexpr MacAddr kServerMac{0x02, 0x5e, 0x4f, 0x00, 0x00, 0x02};

namespace qtype {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28, DS = 43, IXFR = 251,
                   AXFR = 252, ANY = 255;
}

// The program of one test process, loaded once, with tests/fixtures/packet_tests.yaml published.
struct PacketWorld {
    Config config;
    std::shared_ptr<const ZoneView> view;
    std::unique_ptr<XdpProgram> program;

    static PacketWorld& get();  // throws what loading threw, in every test that asks
    XdpRunResult run(const Bytes& frame) const { return run_xdp(program->prog_fd(), frame); }
    xgslb_stats stats() const { return read_stats(program->maps().stats); }
    uint16_t udp_payload_size() const { return config.dns.udp_payload_size; }

    // The SOA line a negative answer in `zone` must carry: fields from the view, owner the apex,
    // TTL min(SOA TTL, negativeTtl of the config) (RFC 2308 5).
    std::string negative_soa(const std::string& zone) const;
};

// The fixture alone, without BPF, for tables that need values from it.
const Config& fixture_config();

// A standard query from the client to the listen address; tests chain more on it.
FrameBuilder query4(std::string_view qname, uint16_t type);
FrameBuilder query6(std::string_view qname, uint16_t type);

// The fixture's 255-octet name (labels of 63, 63, 63 and 43 octets under cloud.example.com);
// another last label gives a name of the same length that does not exist.
std::string long_name(char last = 'd');

// Every other octet upper-cased, as a 0x20-randomising resolver sends a name.
std::string mixed_case(std::string name);

// Expected record lines, in the format of to_string(DnsRecord).
std::string rr_a(std::string_view name, uint32_t ttl, const std::string& addr);
std::string rr_aaaa(std::string_view name, uint32_t ttl, const std::string& addr);
std::string rr_opt(uint16_t payload_size, bool do_bit);

struct Expect {
    uint32_t action = 2;                 // XDP_PASS
    std::vector<std::string> counters;   // one of these is incremented (with packets_seen)
    // For XDP_TX:
    uint8_t rcode = 0;
    std::vector<std::string> answer, authority, additional;
    std::string soa_zone;                // negative answers: authority = this zone's SOA
    // Where passing is as right as answering (the slow path answers the same): XDP_PASS with
    // one of these counters is accepted too; an XDP_TX must still be exactly the answer.
    std::vector<std::string> or_pass;
};

Expect pass(std::vector<std::string> counters);
Expect answered(std::string counter, std::vector<std::string> answer, std::vector<std::string> additional = {});
Expect negative(std::string counter, uint8_t rcode, std::string zone, std::vector<std::string> additional = {});

Expect or_pass(Expect answer, std::vector<std::string> pass_counters);

// One row of a table: a query, what must happen to it.
struct PacketCase {
    std::string name;  // [A-Za-z0-9_]: the gtest parameter name
    FrameBuilder query;
    Expect expect;
};
void PrintTo(const PacketCase& c, std::ostream* os);  // gtest prints the name, not the bytes

// Runs a row and returns every difference (action, frame, counters); empty when it passes.
std::vector<std::string> run_case(const PacketCase& c);

// Differences between what the program did to `query` and what `expect` says, each a line.
// For XDP_TX the output frame is decoded and checked header by header; for XDP_PASS it must be
// the input, untouched.
std::vector<std::string> check_run(const FrameBuilder& query, const Bytes& input, const XdpRunResult& got,
                                   const Expect& expect);

// Counter changes between two reads: "name +N" for every verdict counter that moved (not the
// strategy_* breakdown of answered_a/aaaa).
std::vector<std::pair<std::string, uint64_t>> counter_delta(const xgslb_stats& before, const xgslb_stats& after);
std::vector<std::string> check_counters(const xgslb_stats& before, const xgslb_stats& after,
                                        const std::vector<std::string>& any_of);

std::string join_lines(const std::vector<std::string>& lines);

}  // namespace xgslb::test
