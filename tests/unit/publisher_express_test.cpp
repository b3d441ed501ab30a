// The publisher's order for the express table (userspace/publisher.h): a set goes into
// xgslb_rrsets before the table and leaves the table before xgslb_rrsets, also when a write
// fails part-way; adopting pinned maps rebuilds the table from them.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "userspace/error.h"
#include "userspace/publisher.h"
#include "userspace/zone_view.h"
#include "tests/unit/publisher_fixture.h"

namespace xgslb {
namespace {

using namespace publisher_fixture;

// Every call as "<op> <map>" with the key's hash; `fail_at` throws on that map write (express
// calls never throw, and are not counted).
class ExpressRecorder : public MapWriter {
public:
    struct Call {
        std::string what;
        uint64_t key = 0;
    };
    std::vector<Call> calls;
    int fail_at = -1;
    size_t rebuilt_from = 0;
    int rebuilds = 0;

    void put_zone(uint32_t id, const xgslb_zone&) override { write("put zone", id); }
    void erase_zone(uint32_t id) override { write("erase zone", id); }
    void put_rrset(const xgslb_rrset_key& k, const xgslb_rrset&) override { write("put rrset", k.name_hash); }
    void erase_rrset(const xgslb_rrset_key& k) override { write("erase rrset", k.name_hash); }
    void put_name(const xgslb_name_key& k, const xgslb_name&) override { write("put name", k.hash); }
    void erase_name(const xgslb_name_key& k) override { write("erase name", k.hash); }
    void put_listen(const xgslb_listen_set&) override { write("put listen", 0); }
    void put_geo(const xgslb_geo_key& k, const xgslb_geo_region&) override { write("put geo", k.prefixlen); }
    void erase_geo(const xgslb_geo_key& k) override { write("erase geo", k.prefixlen); }
    void put_express(const xgslb_rrset_key& k, const xgslb_rrset& v, std::string_view owner) override {
        calls.push_back({"put express", k.name_hash});
        owners[k.name_hash] = std::string(owner);
        EXPECT_NE(v.count, 0) << "the set's value, expanded";
    }
    void erase_express(const xgslb_rrset_key& k) override { calls.push_back({"erase express", k.name_hash}); }
    void rebuild_express(const RrsetEntries& rrsets, const NameEntries& names) override {
        ++rebuilds;
        rebuilt_from = rrsets.size();
        rebuilt_names = names.size();
    }
    std::map<uint64_t, std::string> owners;  // the owner name each put_express named
    size_t rebuilt_names = 0;

    std::vector<std::string> phases() const {
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (out.empty() || out.back() != c.what) out.push_back(c.what);
        return out;
    }
    std::vector<std::string> calls_for(uint64_t key) const {
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (c.key == key) out.push_back(c.what);
        return out;
    }

private:
    void write(const char* what, uint64_t key) {
        if (attempts_++ == fail_at) throw Error("injected map write failure");
        calls.push_back({what, key});
    }
    int attempts_ = 0;
};


TEST(PublisherExpress, NewSetsEnterTheTableAfterXgslbRrsetsAndBeforeNames) {
    ExpressRecorder w;
    Publisher p(w);
    const MapContents m = contents(kRoundRobin + kDeep);
    p.publish(m);
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"put zone", "put rrset", "put express", "put name", "put listen"}));
    size_t express = 0;
    for (const auto& c : w.calls) express += c.what == "put express";
    EXPECT_EQ(express, m.rrsets.size());
    // The table holds names: each set comes with its owner, as xgslb_names holds it.
    EXPECT_EQ(w.owners[hash_of("roundrobin.cloud.example.com")], "roundrobin.cloud.example.com.");
    EXPECT_EQ(w.owners[hash_of("a.b.cloud.example.com")], "a.b.cloud.example.com.");
}

TEST(PublisherExpress, ChangedSetIsRewrittenInXgslbRrsetsThenInTheTable) {
    ExpressRecorder w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    p.publish(contents("  - {name: roundrobin.cloud.example.com, a: [172.18.0.3, 172.18.0.5]}\n" + kDeep));
    EXPECT_EQ(w.calls_for(hash_of("roundrobin.cloud.example.com")),
              (std::vector<std::string>{"put rrset", "put express"}));
    EXPECT_EQ(w.calls.size(), 2u);
}

TEST(PublisherExpress, RemovedSetLeavesTheTableBeforeXgslbRrsets) {
    ExpressRecorder w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    p.publish(contents(kRoundRobin));
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"erase name", "erase express", "erase rrset"}));
    EXPECT_EQ(w.calls_for(hash_of("a.b.cloud.example.com")),
              (std::vector<std::string>{"erase name", "erase express", "erase rrset"}));
}

TEST(PublisherExpress, SetsWrittenBeforeAFailureStillReachTheTable) {
    ExpressRecorder w;
    Publisher p(w);
    const MapContents m = contents(kRoundRobin + kDeep);
    ASSERT_GE(m.rrsets.size(), 2u);
    w.fail_at = static_cast<int>(m.zones.size()) + 1;  // the second rrset put
    EXPECT_THROW(p.publish(m), Error);
    const uint64_t first = m.rrsets.key(0).name_hash;
    EXPECT_EQ(w.calls_for(first), (std::vector<std::string>{"put rrset", "put express"}));
    EXPECT_EQ(w.calls_for(m.rrsets.key(1).name_hash), std::vector<std::string>{});
    // The next publish writes the rest, the table included.
    w.calls.clear();
    p.publish(m);
    EXPECT_EQ(w.calls_for(m.rrsets.key(1).name_hash), (std::vector<std::string>{"put rrset", "put express", "put name"}));
}

TEST(PublisherExpress, AnEraseThatFailsPutsTheSurvivorBackIntoTheTable) {
    ExpressRecorder w;
    Publisher p(w);
    p.publish(contents(kRoundRobin + kDeep));
    w.calls.clear();
    // Writes of the second publish: two name erases, then the rrset erase, which fails.
    w.fail_at = static_cast<int>(p.published().zones.size() + p.published().rrsets.size() +
                                 p.published().names.size() + 1 + 2);
    EXPECT_THROW(p.publish(contents(kRoundRobin)), Error);
    EXPECT_EQ(w.calls_for(hash_of("a.b.cloud.example.com")),
              (std::vector<std::string>{"erase name", "erase express", "put express"}));
    // Still published, so the next publish erases it, table first.
    w.calls.clear();
    p.publish(contents(kRoundRobin));
    EXPECT_EQ(w.calls_for(hash_of("a.b.cloud.example.com")), (std::vector<std::string>{"erase express", "erase rrset"}));
}

TEST(PublisherExpress, AdoptRebuildsTheTableFromWhatTheMapsHold) {
    ExpressRecorder w;
    Publisher p(w);
    const MapContents m = contents(kRoundRobin + kDeep);
    p.adopt(m);
    EXPECT_EQ(w.rebuilds, 1);
    EXPECT_EQ(w.rebuilt_from, m.rrsets.size());
    EXPECT_EQ(w.rebuilt_names, m.names.size()) << "the owners of the sets";
    EXPECT_TRUE(w.calls.empty());
}

}  // namespace
}  // namespace xgslb
