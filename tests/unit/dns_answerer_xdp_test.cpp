// The one invariant (DESIGN.md) at unit level: for every generated query that the XDP program
// would answer, the slow path's response is the same message, byte for byte. What XDP does is
// modelled here from the map contents it is given (build_map_contents), step by step as
// bpf/dns_query.h and bpf/xgslb.bpf.c decide; the packet tests hold the real program to the
// same answers, and the BPF differential test compares the real program with the answerer.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/dns_test_util.h"
#include "userspace/config.h"
#include "userspace/dns_answerer.h"
#include "userspace/map_contents.h"
#include "userspace/zone_view.h"

namespace xgslb {
namespace {

using test::Bytes;
using test::EdnsSpec;
using test::QueryBuilder;

constexpr uint64_t kSeed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

uint16_t get16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

// The XDP program's verdict on a DNS message: the response it writes, or nullopt for a pass.
class XdpModel {
public:
    XdpModel(const ZoneView& view, uint16_t udp_payload_size)
        : maps_(build_map_contents(view, kSeed)), ours_(udp_payload_size) {}

    std::optional<Bytes> answer(const Bytes& q) const {
        if (q.size() < 12) return std::nullopt;
        const uint16_t flags = get16(q, 2);
        if ((flags & 0x8000) || (flags & 0x7800)) return std::nullopt;
        if (get16(q, 4) != 1 || get16(q, 6) || get16(q, 8) || get16(q, 10) > 1) return std::nullopt;
        size_t pos = 0;
        std::vector<size_t> suffixes;
        for (;;) {
            if (12 + pos >= q.size()) return std::nullopt;
            const uint8_t len = q[12 + pos];
            if (len == 0) break;
            if (len > 63) return std::nullopt;
            pos += len + 1u;
            if (pos >= XGSLB_NAME_WIRE_MAX) return std::nullopt;
            if (suffixes.size() < XGSLB_MAX_SUFFIX_PROBES) suffixes.push_back(pos);
        }
        const size_t name_len = pos + 1, question_end = 12 + name_len + 4;
        if (question_end > q.size()) return std::nullopt;
        const uint16_t qtype = get16(q, 12 + name_len), qclass = get16(q, 12 + name_len + 2);
        const size_t rest = q.size() - question_end;
        bool has_opt = false, dnssec_ok = false;
        size_t max_response = 512;
        if (get16(q, 10) == 0) {
            if (rest) return std::nullopt;
        } else {
            const uint8_t* opt = q.data() + question_end;
            if (rest < 11) return std::nullopt;
            if (opt[0] != 0 || opt[1] != 0 || opt[2] != 41) return std::nullopt;
            if (opt[6] != 0 || opt[9] || opt[10]) return std::nullopt;
            if (rest != 11) return std::nullopt;
            const size_t client = std::max<size_t>(512, static_cast<size_t>(opt[3] << 8 | opt[4]));
            max_response = std::min(client, std::max<size_t>(512, ours_));
            has_opt = true;
            dnssec_ok = opt[7] & 0x80;
        }
        if (qclass != 1) return std::nullopt;
        if (qtype == 0 || qtype == 41 || qtype == 43 || (qtype >= 128 && qtype <= 255)) return std::nullopt;

        const WireName qname(q.begin() + 12, q.begin() + 12 + static_cast<long>(name_len));
        const uint64_t hash = hash_wire_name(qname, kSeed).hash;
        Response r{q, question_end, flags, has_opt, dnssec_ok, max_response, ours_};
        if (qtype == 1 || qtype == 28) {
            auto key = zeroed<xgslb_rrset_key>();
            key.name_hash = hash;
            key.qtype = qtype;
            if (auto it = maps_.rrsets.find(key); it != maps_.rrsets.end())
                return r.write(0, it->second.count, 0, Bytes(it->second.wire, it->second.wire + it->second.wire_len));
        }
        if (const xgslb_name* name = find_name(hash)) {
            if (name->flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION)) return std::nullopt;
            if ((name->flags & XGSLB_NAME_OTHER_TYPES) && qtype != 1 && qtype != 28) return std::nullopt;
            return negative(r, name->zone_id, name_len, 0);
        }
        for (size_t at : suffixes) {
            const WireName suffix(qname.begin() + static_cast<long>(at), qname.end());
            const xgslb_name* ancestor = find_name(hash_wire_name(suffix, kSeed).hash);
            if (!ancestor) continue;
            if (ancestor->flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION)) return std::nullopt;
            return negative(r, ancestor->zone_id, name_len, 3);
        }
        return std::nullopt;
    }

private:
    template <typename T>
    static T zeroed() {
        T v;
        std::memset(&v, 0, sizeof v);
        return v;
    }

    struct Response {
        const Bytes& query;
        size_t question_end;
        uint16_t flags;
        bool has_opt, dnssec_ok;
        size_t max_response;
        uint16_t ours;

        std::optional<Bytes> write(uint16_t rcode, uint16_t ancount, uint16_t nscount, const Bytes& section) const {
            if (question_end + section.size() + (has_opt ? 11 : 0) > max_response) return std::nullopt;
            Bytes out(query.begin(), query.begin() + static_cast<long>(question_end));
            const uint16_t f = 0x8000 | 0x0400 | (flags & (0x0100 | 0x0010)) | rcode;
            out[2] = static_cast<uint8_t>(f >> 8);
            out[3] = static_cast<uint8_t>(f);
            out[6] = 0, out[7] = static_cast<uint8_t>(ancount);
            out[8] = 0, out[9] = static_cast<uint8_t>(nscount);
            out[10] = 0, out[11] = has_opt ? 1 : 0;
            out.insert(out.end(), section.begin(), section.end());
            if (has_opt) {
                const Bytes opt{0, 0, 41, static_cast<uint8_t>(ours >> 8), static_cast<uint8_t>(ours), 0, 0,
                                static_cast<uint8_t>(dnssec_ok ? 0x80 : 0), 0, 0, 0};
                out.insert(out.end(), opt.begin(), opt.end());
            }
            return out;
        }
    };

    const xgslb_name* find_name(uint64_t hash) const {
        auto key = zeroed<xgslb_name_key>();
        key.hash = hash;
        auto it = maps_.names.find(key);
        return it == maps_.names.end() ? nullptr : &it->second;
    }

    std::optional<Bytes> negative(Response r, uint32_t zone_id, size_t name_len, uint16_t rcode) const {
        auto it = maps_.zones.find(zone_id);
        if (it == maps_.zones.end() || it->second.apex_len > name_len) return std::nullopt;
        const xgslb_zone& zone = it->second;
        if (rcode == 3 && (zone.flags & XGSLB_ZONE_HAS_WILDCARD)) return std::nullopt;
        const uint16_t owner = static_cast<uint16_t>(0xc000 | (12 + name_len - zone.apex_len));
        Bytes section{static_cast<uint8_t>(owner >> 8), static_cast<uint8_t>(owner)};
        section.insert(section.end(), zone.soa_wire, zone.soa_wire + zone.soa_wire_len);
        return r.write(rcode, 0, 1, section);
    }

    MapContents maps_;
    uint16_t ours_;
};

class Differential : public ::testing::Test {
protected:
    Differential()
        : config_(load_config(std::string(XGSLB_FIXTURES_DIR) + "/packet_tests.yaml")),
          view_(ZoneView::build(config_)),
          answerer_(settings(config_)),
          xdp_(*view_, config_.dns.udp_payload_size) {}

    static AnswererSettings settings(const Config& c) {
        AnswererSettings s;
        s.udp_payload_size = c.dns.udp_payload_size;
        return s;
    }

    // Compares one query; returns whether XDP would answer it.
    bool check(const Bytes& query, Transport transport = Transport::udp) {
        const std::optional<Bytes> expected = xdp_.answer(query);
        if (!expected) return false;
        QueryContext context;
        context.transport = transport;
        const auto got = answerer_.answer(query, context, *view_);
        EXPECT_TRUE(got.has_value());
        if (got) {
            EXPECT_EQ(*got, *expected) << describe(query);
        }
        return true;
    }

    static std::string describe(const Bytes& q) {
        std::string s = "query:";
        char buf[4];
        for (uint8_t b : q) snprintf(buf, sizeof buf, " %02x", b), s += buf;
        return s;
    }

    Config config_;
    std::shared_ptr<const ZoneView> view_;
    Answerer answerer_;
    XdpModel xdp_;
};

std::vector<std::string> query_names(const ZoneView& view) {
    std::vector<std::string> names;
    for (const auto& [apex, zone] : view.zones()) {
        names.push_back(wire_to_name(apex));
        names.push_back("nx." + wire_to_name(apex));
        for (const auto& [owner, node] : zone.nodes()) {
            const std::string n = wire_to_name(owner);
            names.push_back(n);
            if (owner.size() + 3 <= 255) names.push_back("nx." + n);
            if (owner.size() + 12 <= 255) names.push_back("a.b.c.d.e.f." + n);
        }
    }
    for (const char* n : {"y.cloud.example.com", "q.y.cloud.example.com", "example.com", "www.example.org", "net"})
        names.push_back(n);
    return names;
}

std::string cased(std::string n, int variant) {
    for (size_t i = 0; i < n.size(); ++i) {
        if (variant == 1 || (variant == 2 && i % 2 == 0)) n[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[i])));
    }
    return n;
}

TEST_F(Differential, EveryGeneratedQueryXdpAnswersIsAnsweredIdentically) {
    const uint16_t types[] = {1, 28, 2, 5, 6, 15, 16, 33, 43, 99, 255, 65280};
    std::vector<std::optional<EdnsSpec>> edns = {std::nullopt, test::edns_of(512, false, 0), test::edns_of(4096, true, 0),
                                                 test::edns_of(100, false, 0), test::edns_of(1232, false, 1)};
    EdnsSpec with_cookie;
    with_cookie.option(10, Bytes(8, 7));
    edns.push_back(with_cookie);
    size_t answered = 0, total = 0;
    for (const std::string& name : query_names(*view_)) {
        for (uint16_t type : types) {
            for (int variant = 0; variant < 3; ++variant) {
                for (const auto& e : edns) {
                    for (uint16_t flags : {0x0100, 0x0000, 0x0110, 0x0130}) {
                        QueryBuilder q(cased(name, variant), type);
                        q.with_flags(flags).with_id(static_cast<uint16_t>(total));
                        if (e) q.edns(*e);
                        ++total;
                        answered += check(q.bytes());
                    }
                }
            }
        }
    }
    RecordProperty("queries", static_cast<int>(total));
    RecordProperty("answered_by_xdp", static_cast<int>(answered));
    // The generator must reach every kind of XDP answer, not only passes.
    EXPECT_GT(answered, total / 10) << answered << " of " << total;
}

TEST_F(Differential, MutatedQueriesXdpAnswersAreAnsweredIdentically) {
    std::mt19937 rng(20240601);
    const std::vector<Bytes> seeds = {
        QueryBuilder("single.cloud.example.com", 1).bytes(),
        QueryBuilder("four.cloud.example.com", 1).edns(test::edns_of(4096, true, 0)).bytes(),
        QueryBuilder("nope.cloud.example.com", 28).edns().bytes(),
        QueryBuilder("y.cloud.example.com", 15).bytes(),
        QueryBuilder("big.cloud.example.com", 28).edns(test::edns_of(1000, false, 0)).bytes(),
    };
    size_t answered = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes q = seeds[rng() % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            switch (rng() % 4) {
                case 0: q[rng() % q.size()] = static_cast<uint8_t>(rng()); break;
                case 1: q[rng() % q.size()] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
                case 2: if (q.size() > 12) q.pop_back(); break;
                default: q.push_back(static_cast<uint8_t>(rng())); break;
            }
        }
        answered += check(q);
    }
    EXPECT_GT(answered, 1000u);
}

}  // namespace
}  // namespace xgslb
