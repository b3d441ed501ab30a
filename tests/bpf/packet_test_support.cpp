#include "tests/bpf/packet_test_support.h"

#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ostream>
#include <map>
#include <string_view>

#include "maps/bpf_map_writer.h"
#include "userspace/error.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"

namespace xgslb::test {

PacketWorld& PacketWorld::get() {
    // Built on first use and kept for the process: loading and publishing once keeps the
    // tables fast, and every case reads counters as a difference, so sharing is harmless.
    static std::unique_ptr<PacketWorld> world;
    static std::string failure;
    if (world) return *world;
    if (!failure.empty()) throw Error(failure);
    try {
        auto w = std::make_unique<PacketWorld>();
        w->config = load_config(kFixture);
        w->view = ZoneView::build(w->config);
        XdpProgram::Options options;
        options.instance = "test-" + std::to_string(getpid());
        options.pin = false;
        options.udp_payload_size = w->config.dns.udp_payload_size;
        w->program = std::make_unique<XdpProgram>(options);
        const xgslb_settings settings = w->program->settings();
        const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};  // __u64 is not uint64_t
        auto contents = build_map_contents(*w->view, seed);
        BpfMapWriter writer(w->program->maps());
        Publisher(writer).publish(contents);
        world = std::move(w);
    } catch (const std::exception& e) {
        failure = std::string("packet test setup: ") + e.what();
        throw Error(failure);
    }
    return *world;
}

const Config& fixture_config() {
    static const Config config = load_config(kFixture);
    return config;
}

std::vector<std::string> run_case(const PacketCase& c) {
    PacketWorld& world = PacketWorld::get();
    Expect expect = c.expect;
    if (!expect.soa_zone.empty()) expect.authority.push_back(world.negative_soa(expect.soa_zone));
    const Bytes input = c.query.build();
    const xgslb_stats before = world.stats();
    const XdpRunResult got = world.run(input);
    const xgslb_stats after = world.stats();
    if (got.action == XDP_PASS && !expect.or_pass.empty()) expect = pass(expect.or_pass);
    auto lines = check_run(c.query, input, got, expect);
    auto counters = check_counters(before, after, expect.counters);
    lines.insert(lines.end(), counters.begin(), counters.end());
    return lines;
}

Expect or_pass(Expect answer, std::vector<std::string> pass_counters) {
    answer.or_pass = std::move(pass_counters);
    return answer;
}

void PrintTo(const PacketCase& c, std::ostream* os) { *os << c.name; }

std::string PacketWorld::negative_soa(const std::string& zone_name) const {
    const WireName apex = name_to_wire(zone_name);
    const Zone* zone = view->find_zone(apex);
    if (!zone) throw Error("fixture has no zone " + zone_name);
    uint32_t negative_ttl = 0;
    for (const auto& z : config.zones)
        if (canonical_name(z.zone) == canonical_name(zone_name)) negative_ttl = z.negative_ttl;
    const Soa& soa = zone->soa();
    return canonical_name(zone_name) + " " + std::to_string(std::min(soa.ttl, negative_ttl)) + " IN SOA " +
           wire_to_name(lowercase(soa.mname)) + " " + wire_to_name(lowercase(soa.rname)) + " " +
           std::to_string(soa.serial) + " " + std::to_string(soa.refresh) + " " + std::to_string(soa.retry) + " " +
           std::to_string(soa.expire) + " " + std::to_string(soa.minimum);
}

FrameBuilder query4(std::string_view qname, uint16_t type) {
    FrameBuilder b;
    b.eth_src(kClientMac).eth_dst(kServerMac).ipv4(kClientV4, kServerV4).udp_ports(40053, 53).id(0x5a17).rd()
        .qname(qname).qtype(type);
    return b;
}

FrameBuilder query6(std::string_view qname, uint16_t type) {
    FrameBuilder b;
    b.eth_src(kClientMac).eth_dst(kServerMac).ipv6(kClientV6, kServerV6).udp_ports(40066, 53).id(0x6a17).rd()
        .qname(qname).qtype(type);
    return b;
}

std::string long_name(char last) {
    return std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
           std::string(43, last) + ".cloud.example.com";
}

std::string mixed_case(std::string name) {
    for (size_t i = 0; i < name.size(); i += 2) name[i] = static_cast<char>(std::toupper(name[i]));
    return name;
}

std::string rr_a(std::string_view name, uint32_t ttl, const std::string& addr) {
    return canonical_name(name) + " " + std::to_string(ttl) + " IN A " + ip_to_string(parse_ip(addr), 4);
}

std::string rr_aaaa(std::string_view name, uint32_t ttl, const std::string& addr) {
    return canonical_name(name) + " " + std::to_string(ttl) + " IN AAAA " + ip_to_string(parse_ip(addr), 6);
}

std::string rr_opt(uint16_t payload_size, bool do_bit) {
    DnsRecord rr;
    rr.opt = OptData{.payload_size = payload_size, .ext_rcode = 0, .version = 0, .do_bit = do_bit, .z = 0, .options = {}};
    return to_string(rr);
}

Expect pass(std::vector<std::string> counters) {
    Expect e;
    e.action = XDP_PASS;
    e.counters = std::move(counters);
    return e;
}

Expect answered(std::string counter, std::vector<std::string> answer, std::vector<std::string> additional) {
    Expect e;
    e.action = XDP_TX;
    e.counters = {std::move(counter)};
    e.answer = std::move(answer);
    e.additional = std::move(additional);
    return e;
}

Expect negative(std::string counter, uint8_t rcode, std::string zone, std::vector<std::string> additional) {
    Expect e;
    e.action = XDP_TX;
    e.counters = {std::move(counter)};
    e.rcode = rcode;
    e.soa_zone = std::move(zone);
    e.additional = std::move(additional);
    return e;
}

namespace {

class Diff {
public:
    template <typename T>
    void field(const std::string& name, const T& expected, const T& got) {
        if (!(expected == got)) lines.push_back(name + ": expected " + show(expected) + ", got " + show(got));
    }
    void fail(std::string line) { lines.push_back(std::move(line)); }

    // Records compared as multisets of lines: order is the program's (strategies rotate).
    void records(const std::string& section, std::vector<std::string> expected, const std::vector<DnsRecord>& got) {
        std::vector<std::string> have;
        for (const auto& rr : got) have.push_back(to_string(rr));
        std::sort(expected.begin(), expected.end());
        std::sort(have.begin(), have.end());
        std::vector<std::string> missing, extra;
        std::set_difference(expected.begin(), expected.end(), have.begin(), have.end(), std::back_inserter(missing));
        std::set_difference(have.begin(), have.end(), expected.begin(), expected.end(), std::back_inserter(extra));
        for (const auto& m : missing) lines.push_back(section + ": missing   " + m);
        for (const auto& x : extra) lines.push_back(section + ": unexpected " + x);
    }

    std::vector<std::string> lines;

private:
    static std::string show(const std::string& s) { return "'" + s + "'"; }
    static std::string show(bool b) { return b ? "1" : "0"; }
    static std::string show(const Bytes& b) { return hex(b); }
    template <typename T>
    static std::string show(const T& v) { return std::to_string(v); }
};

}  // namespace

std::vector<std::string> check_run(const FrameBuilder& query, const Bytes& input, const XdpRunResult& got,
                                   const Expect& expect) {
    Diff d;
    if (got.action != expect.action) {
        d.fail("action: expected " + xdp_action_name(expect.action) + ", got " + xdp_action_name(got.action));
        return d.lines;
    }
    if (expect.action != XDP_TX) {
        if (got.output != input)
            d.fail("frame changed although not sent: in  " + hex(input) + "\n                                  out " +
                   hex(got.output));
        return d.lines;
    }

    DecodeResult r = decode_dns_frame(got.output);
    for (const auto& e : r.errors) d.fail("decode: " + e);
    const DecodedFrame& f = r.frame;

    d.field("eth.dst", mac_to_string(query.mac_src()), mac_to_string(f.eth_dst));
    d.field("eth.src", mac_to_string(query.mac_dst()), mac_to_string(f.eth_src));
    d.field("vlan.count", query.vlans().size(), f.vlans.size());
    for (size_t i = 0; i < std::min(query.vlans().size(), f.vlans.size()); ++i) {
        d.field("vlan[" + std::to_string(i) + "].tpid", query.vlans()[i].tpid, f.vlans[i].tpid);
        d.field("vlan[" + std::to_string(i) + "].tci", query.vlans()[i].tci, f.vlans[i].tci);
    }
    const int v = query.ip_version();
    d.field("ip.version", v, f.ip_version);
    d.field("ip.src", ip_to_string(query.ip_dst(), v), ip_to_string(f.ip_src, v));
    d.field("ip.dst", ip_to_string(query.ip_src(), v), ip_to_string(f.ip_dst, v));
    if (f.ttl == 0) d.fail(std::string(v == 6 ? "ipv6.hop_limit" : "ipv4.ttl") + ": 0");
    d.field("ip.protocol", uint8_t{17}, f.protocol);
    d.field("udp.src_port", query.dst_port(), f.udp_src_port);
    d.field("udp.dst_port", query.src_port(), f.udp_dst_port);

    const auto& q = query.header();
    d.field("dns.id", q.id, f.dns.id);
    d.field("dns.qr", true, f.dns.qr);
    d.field("dns.opcode", uint8_t{0}, f.dns.opcode);
    d.field("dns.aa", true, f.dns.aa);
    d.field("dns.tc", false, f.dns.tc);
    d.field("dns.rd", q.rd, f.dns.rd);
    d.field("dns.ra", false, f.dns.ra);
    d.field("dns.z", false, f.dns.z);
    d.field("dns.ad", false, f.dns.ad);
    d.field("dns.cd", q.cd, f.dns.cd);
    d.field("dns.rcode", expect.rcode, f.dns.rcode);
    d.field("dns.qdcount", uint16_t{1}, f.dns.qdcount);
    d.field("dns.ancount", static_cast<uint16_t>(expect.answer.size()), f.dns.ancount);
    d.field("dns.nscount", static_cast<uint16_t>(expect.authority.size()), f.dns.nscount);
    d.field("dns.arcount", static_cast<uint16_t>(expect.additional.size()), f.dns.arcount);
    d.field("question (exact octets)", query.question_bytes(), f.question);
    d.records("answer", expect.answer, f.answer);
    d.records("authority", expect.authority, f.authority);
    d.records("additional", expect.additional, f.additional);
    return d.lines;
}

std::vector<std::pair<std::string, uint64_t>> counter_delta(const xgslb_stats& before, const xgslb_stats& after) {
    std::vector<std::pair<std::string, uint64_t>> out;
    // strategy_* break answered_a/aaaa down by selection: not verdicts of their own.
#define XGSLB_TEST_DELTA(name) \
    if (after.name != before.name && std::string_view(#name).rfind("strategy_", 0) != 0) \
        out.emplace_back(#name, after.name - before.name);
    XGSLB_COUNTERS(XGSLB_TEST_DELTA)
#undef XGSLB_TEST_DELTA
    return out;
}

std::vector<std::string> check_counters(const xgslb_stats& before, const xgslb_stats& after,
                                        const std::vector<std::string>& any_of) {
    auto delta = counter_delta(before, after);
    std::map<std::string, uint64_t> moved(delta.begin(), delta.end());
    std::vector<std::string> lines;
    std::string seen;
    for (const auto& [name, n] : delta) seen += " " + name + "+" + std::to_string(n);
    const bool seen_one = moved.size() == 2 && moved.count("packets_seen") && moved["packets_seen"] == 1 &&
                          std::any_of(any_of.begin(), any_of.end(),
                                      [&](const std::string& c) { return moved.count(c) && moved[c] == 1; });
    if (!seen_one) {
        std::string want;
        for (const auto& c : any_of) want += (want.empty() ? "" : " or ") + c;
        lines.push_back("counters: expected packets_seen+1 and " + want + "+1 only, got" +
                        (seen.empty() ? " nothing" : seen));
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += "\n    " + l;
    return out;
}

}  // namespace xgslb::test
