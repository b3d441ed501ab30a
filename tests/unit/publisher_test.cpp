#include "userspace/publisher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "userspace/error.h"
#include "userspace/zone_view.h"

namespace xgslb {
namespace {

const uint64_t kSeed[2] = {7, 11};

// Records every call as "<op> <map>" plus the key, so tests can check order and content.
class RecordingWriter : public MapWriter {
public:
    struct Call {
        std::string op;  // "put" | "erase"
        std::string map; // "zone" | "rrset" | "name" | "listen"
        uint64_t key = 0;  // zone id, name hash, rrset name hash; 0 for listen
        uint16_t qtype = 0;
    };
    std::vector<Call> calls;
    int fail_at = -1;  // throw on this call index (counted over the writer's lifetime)

    void put_zone(uint32_t id, const xgslb_zone&) override { record("put", "zone", id); }
    void erase_zone(uint32_t id) override { record("erase", "zone", id); }
    void put_rrset(const xgslb_rrset_key& k, const xgslb_rrset&) override { record("put", "rrset", k.name_hash, k.qtype); }
    void erase_rrset(const xgslb_rrset_key& k) override { record("erase", "rrset", k.name_hash, k.qtype); }
    void put_name(const xgslb_name_key& k, const xgslb_name&) override { record("put", "name", k.hash); }
    void erase_name(const xgslb_name_key& k) override { record("erase", "name", k.hash); }
    void put_listen(const xgslb_listen_set& set) override {
        record("put", "listen", 0);
        last_listen = set;
    }
    void put_geo(const xgslb_geo_key& k, const xgslb_geo_region&) override { record("put", "geo", k.prefixlen); }
    void erase_geo(const xgslb_geo_key& k) override { record("erase", "geo", k.prefixlen); }
    xgslb_listen_set last_listen{};

    // The sequence of "<op> <map>" with consecutive repeats collapsed.
    std::vector<std::string> phases() const {
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (out.empty() || out.back() != c.op + " " + c.map) out.push_back(c.op + " " + c.map);
        return out;
    }

private:
    void record(const char* op, const char* map, uint64_t key, uint16_t qtype = 0) {
        if (attempts_++ == fail_at) throw Error("injected map write failure");
        calls.push_back({op, map, key, qtype});
    }
    int attempts_ = 0;
};

const std::string kBase = R"(instance: eu
zones:
  - zone: cloud.example.com
dns:
  listen: ["10.77.0.2:53"]
records:
)";
const std::string kRoundRobin = "  - {name: roundrobin.cloud.example.com, a: [172.18.0.3, 172.18.0.4]}\n";
const std::string kDeep = "  - {name: a.b.cloud.example.com, a: [10.0.0.1]}\n";

MapContents contents(const std::string& records) {
    return build_map_contents(*ZoneView::build(parse_config(kBase + records, "test.yaml")), kSeed);
}

uint64_t hash_of(const char* name) { return hash_wire_name(name_to_wire(name), kSeed).hash; }

TEST(Publisher, FirstPublishWritesEverythingReferentsFirst) {
    RecordingWriter w;
    Publisher p(w);
    const MapContents m = contents(kRoundRobin + kDeep);
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.zones, (PublishStats::Count{m.zones.size(), 0}));
    EXPECT_EQ(s.rrsets, (PublishStats::Count{m.rrsets.size(), 0}));
    EXPECT_EQ(s.names, (PublishStats::Count{m.names.size(), 0}));
    EXPECT_EQ(s.listen, (PublishStats::Count{1, 0}));  // the whole set in one write
    EXPECT_EQ(w.last_listen.count, m.listen.size());
    EXPECT_EQ(s.writes(), w.calls.size());
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"put zone", "put rrset", "put name", "put listen"}));
}

TEST(Publisher, SamePublishTwiceWritesNothing) {
    RecordingWriter w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    const PublishStats s = p.publish(contents(kRoundRobin + kDeep));
    EXPECT_EQ(s.writes(), 0u);
    EXPECT_TRUE(w.calls.empty());
}

TEST(Publisher, OneChangedRecordIsOneRrsetPut) {
    RecordingWriter w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    const PublishStats s =
        p.publish(contents("  - {name: roundrobin.cloud.example.com, a: [172.18.0.3, 172.18.0.5]}\n" + kDeep));
    EXPECT_EQ(s.writes(), 1u);
    EXPECT_EQ(s.rrsets.puts, 1u);
    ASSERT_EQ(w.calls.size(), 1u);
    EXPECT_EQ(w.calls[0].op, "put");
    EXPECT_EQ(w.calls[0].map, "rrset");
    EXPECT_EQ(w.calls[0].key, hash_of("roundrobin.cloud.example.com"));
    EXPECT_EQ(w.calls[0].qtype, XGSLB_DNS_TYPE_A);
}

TEST(Publisher, RemovedNameIsUnreferencedBeforeItsRrsetGoes) {
    RecordingWriter w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    const PublishStats s = p.publish(contents(kRoundRobin));
    // a.b goes with its A set, and b (the empty non-terminal above it) goes too.
    EXPECT_EQ(s.names.erases, 2u);
    EXPECT_EQ(s.rrsets.erases, 1u);
    EXPECT_EQ(s.writes(), 3u);
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"erase name", "erase rrset"}));
    std::vector<uint64_t> erased_names;
    for (const auto& c : w.calls)
        if (c.map == "name") erased_names.push_back(c.key);
    std::sort(erased_names.begin(), erased_names.end());
    std::vector<uint64_t> expected = {hash_of("a.b.cloud.example.com"), hash_of("b.cloud.example.com")};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(erased_names, expected);
    EXPECT_EQ(w.calls.back().key, hash_of("a.b.cloud.example.com"));
}

TEST(Publisher, RemovedZoneGoesLast) {
    RecordingWriter w;
    Publisher p(w);
    p.publish(contents(kRoundRobin));
    w.calls.clear();
    p.publish(MapContents{});
    // The listen set is emptied (disabling the program) before anything it answered from goes.
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"put listen", "erase name", "erase rrset", "erase zone"}));
    EXPECT_EQ(w.last_listen.count, 0u);
    EXPECT_TRUE(p.published().names.empty());
}

TEST(Publisher, AdoptedContentsAreNotRewritten) {
    RecordingWriter w;
    Publisher p(w);
    p.adopt(contents(kRoundRobin + kDeep));
    EXPECT_EQ(p.publish(contents(kRoundRobin + kDeep)).writes(), 0u);
    // Leftovers from before the restart are erased.
    EXPECT_EQ(p.publish(contents(kRoundRobin)).writes(), 3u);
}

TEST(Publisher, FailedPublishResumesWhereItStopped) {
    RecordingWriter w;
    Publisher p(w);
    const MapContents m = contents(kRoundRobin + kDeep);
    const size_t total = m.zones.size() + m.rrsets.size() + m.names.size() + 1;  // + the listen set
    w.fail_at = static_cast<int>(m.zones.size() + m.rrsets.size() + 1);  // the second name put
    EXPECT_THROW(p.publish(m), Error);
    const size_t written = w.calls.size();
    EXPECT_EQ(written, m.zones.size() + m.rrsets.size() + 1);
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.writes(), total - written);
    EXPECT_EQ(s.zones.puts + s.rrsets.puts, 0u);
    EXPECT_EQ(p.publish(m).writes(), 0u);
}

}  // namespace
}  // namespace xgslb
