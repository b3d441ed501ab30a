// The one invariant (DESIGN.md), checked on the real program: thousands of generated queries
// run through the loaded XDP program (BPF_PROG_TEST_RUN) and through the slow path's Answerer,
// both serving the same ZoneView. Whenever XDP answers, its DNS message must be the Answerer's,
// octet for octet (no strategy rotates a set yet; when one does, compare its records as a set).
// Whatever XDP passes is the slow path's alone, and is only counted.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/bpf/packet_test_support.h"
#include "userspace/dns_answerer.h"
#include "userspace/inet_checksum.h"

namespace xgslb::test {
namespace {

constexpr uint32_t kXdpTx = 3;  // XDP_TX

struct Tally {
    size_t queries = 0, answered_by_xdp = 0, passed = 0, dropped = 0;
    std::map<std::string, size_t> by_rcode;  // of XDP answers
    std::vector<std::string> differences;
};

std::string hex(const Bytes& b, size_t max = 160) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < b.size() && i < max; ++i) snprintf(buf, sizeof buf, "%02x", b[i]), s += buf;
    return s;
}

// Every name the view holds, the empty non-terminals and missing names around them, and names in
// no zone: what a resolver may ask.
std::vector<std::string> query_names(const ZoneView& view) {
    std::vector<std::string> names;
    auto add_if_valid = [&](const std::string& prefix, const WireName& owner) {
        const std::string name = prefix + wire_to_name(owner);
        if (prefix.size() + owner.size() <= XGSLB_NAME_WIRE_MAX) names.push_back(name);  // 255 octets at most
    };
    for (const auto& [apex, zone] : view.zones())
        for (const Node* node : zone.nodes()) {
            const WireName& owner = node->owner;
            names.push_back(wire_to_name(owner));
            add_if_valid("nx-" + std::to_string(names.size()) + ".", owner);
            add_if_valid("a.b.deep.", owner);
            if (owner.size() > apex.size()) names.push_back(wire_to_name(parent_name(owner)));
        }
    for (const char* n : {"example.com.", "www.example.org.", "net.", ".", "cloud.example.com.evil.test."})
        names.push_back(n);
    return names;
}

std::string random_case(std::string name, std::mt19937& rng) {
    for (char& c : name)
        if (std::isalpha(static_cast<unsigned char>(c)) && (rng() & 1)) c ^= 0x20;
    return name;
}

Bytes option(uint16_t code, const Bytes& data) {
    Bytes o;
    put16(o, code);
    put16(o, static_cast<uint16_t>(data.size()));
    o.insert(o.end(), data.begin(), data.end());
    return o;
}

// The EDNS variants a query may carry: none, sizes, DO, an unknown version, and options (COOKIE,
// ECS, one nobody knows), each of which the slow path handles and XDP must pass.
std::vector<std::optional<Edns>> edns_variants() {
    return {std::nullopt,
            Edns(),
            Edns().size(512),
            Edns().size(4096).dnssec_ok(),
            Edns().size(100),
            Edns().with_version(1),
            Edns().with_options(option(10, Bytes(8, 0x42))),                       // client COOKIE
            Edns().with_options(option(8, {0, 1, 24, 0, 192, 0, 2})),              // ECS 192.0.2.0/24
            Edns().dnssec_ok().with_options(option(65001, {1, 2, 3}))};            // unknown option
}

class XdpVsSlowPath : public ::testing::Test {
protected:
    void SetUp() override {
        AnswererSettings settings;
        settings.udp_payload_size = world().udp_payload_size();
        answerer_ = std::make_unique<Answerer>(settings);
    }

    static PacketWorld& world() { return PacketWorld::get(); }

    // One query through both paths; a difference is recorded with everything needed to replay it.
    void check(const FrameBuilder& query, Tally& tally, const std::string& what) {
        const Bytes frame = query.build();
        const Bytes message = query.dns_message();
        check_frame(frame, message, query.ip_version(), tally, what);
    }

    void check_frame(const Bytes& frame, const Bytes& message, int ip_version, Tally& tally,
                     const std::string& what) {
        ++tally.queries;
        XdpRunResult run;
        if (try_run_xdp(world().program->prog_fd(), frame, run) != 0) {
            ++tally.dropped;  // the kernel refused the frame (shorter than Ethernet): no answer
            return;
        }
        if (run.action != kXdpTx) {
            ++tally.passed;
            return;
        }
        ++tally.answered_by_xdp;
        // Headers keep their lengths, so the DNS message starts where the query's did.
        const size_t dns_at = frame.size() - message.size();
        const Bytes xdp(run.output.begin() + static_cast<long>(dns_at), run.output.end());

        QueryContext context;
        context.transport = Transport::udp;
        auto* sa = reinterpret_cast<sockaddr*>(&context.client);
        sa->sa_family = ip_version == 6 ? AF_INET6 : AF_INET;
        const auto slow = answerer_->answer(message, context, *world().view);
        if (!slow) {
            tally.differences.push_back(what + ": XDP answered, the slow path drops; query " + hex(message));
            return;
        }
        tally.by_rcode[std::to_string(xdp.size() > 3 ? (xdp[3] & 0x0f) : -1)]++;
        if (xdp != *slow)
            tally.differences.push_back(what + ":\n  query " + hex(message) + "\n  xdp   " + hex(xdp) +
                                        "\n  slow  " + hex(*slow));
    }

    static void report(const Tally& t) {
        std::string rcodes;
        for (const auto& [rcode, n] : t.by_rcode) rcodes += " rcode" + rcode + "=" + std::to_string(n);
        std::printf("queries=%zu answered_by_xdp=%zu passed=%zu refused_by_kernel=%zu differences=%zu;%s\n",
                    t.queries, t.answered_by_xdp, t.passed, t.dropped, t.differences.size(), rcodes.c_str());
        for (size_t i = 0; i < t.differences.size() && i < 10; ++i)
            ADD_FAILURE() << "difference " << i + 1 << " of " << t.differences.size() << ": " << t.differences[i];
    }

    std::unique_ptr<Answerer> answerer_;
};

TEST_F(XdpVsSlowPath, GeneratedQueriesAgreeWheneverXdpAnswers) {
    std::mt19937 rng(0x5eed);
    const std::vector<uint16_t> types = {1, 28, 2, 6, 15, 16, 5, 43, 255, 252, 251, 99, 65000, 0, 41, 200};
    Tally tally;
    for (const std::string& name : query_names(*world().view))
        for (uint16_t type : types)
            for (const auto& edns : edns_variants())
                for (int ip : {4, 6}) {
                    FrameBuilder q = ip == 4 ? query4(random_case(name, rng), type)
                                             : query6(random_case(name, rng), type);
                    q.id(static_cast<uint16_t>(rng())).rd(rng() & 1).cd((rng() & 3) == 0);
                    if (edns) q.edns(*edns);
                    check(q, tally, name + " type " + std::to_string(type) + " ipv" + std::to_string(ip));
                }
    report(tally);
    // The generator must reach every kind of XDP answer, or agreeing proves little.
    EXPECT_GT(tally.answered_by_xdp, 2000u);
    EXPECT_GT(tally.by_rcode["0"], 1000u);
    EXPECT_GT(tally.by_rcode["3"], 500u);
    EXPECT_GT(tally.passed, 1000u);
}

// Valid queries with random octets of the DNS message changed, over IPv4 with a zero UDP
// checksum (valid for IPv4, and the program then answers with zero too): malformed, oversized
// counts, bad labels, odd flags. XDP must pass them or answer exactly like the slow path.
TEST_F(XdpVsSlowPath, MutatedQueriesAgreeWheneverXdpAnswers) {
    std::mt19937 rng(0xbad5eed);
    const auto names = query_names(*world().view);
    const auto edns = edns_variants();
    Tally tally;
    for (int i = 0; i < 20000; ++i) {
        FrameBuilder q = query4(random_case(names[rng() % names.size()], rng), (rng() & 1) ? 1 : 28);
        q.udp_checksum_zero();
        if (const auto& e = edns[rng() % edns.size()]) q.edns(*e);
        Bytes frame = q.build();
        const size_t dns_at = frame.size() - q.dns_message().size();
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e)
            frame[dns_at + rng() % (frame.size() - dns_at)] = static_cast<uint8_t>(rng());
        const Bytes message(frame.begin() + static_cast<long>(dns_at), frame.end());
        check_frame(frame, message, 4, tally, "mutation " + std::to_string(i));
    }
    report(tally);
    EXPECT_GT(tally.answered_by_xdp, 1000u);
}

}  // namespace
}  // namespace xgslb::test
