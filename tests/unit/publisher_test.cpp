#include "userspace/publisher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "userspace/error.h"
#include "userspace/zone_view.h"
#include "tests/unit/publisher_fixture.h"

namespace xgslb {
namespace {

using namespace publisher_fixture;

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

// The real writer takes each phase's entries as batches (BPF_MAP_UPDATE_BATCH): every batch of
// a phase before the next phase, and a batch that stops part-way is remembered exactly up to
// where it stopped.
class BatchingWriter : public RecordingWriter {
public:
    struct Batch {
        std::string op, map;
        size_t size;
    };
    std::vector<Batch> batches;
    int fail_batch = -1;      // this batch (counted over the writer's lifetime) stops part-way...
    size_t fail_after = 0;    // ...after applying this many of its entries

    void put_rrsets(std::span<const xgslb_rrset_key> k, std::span<const xgslb_rrset> v) override {
        batch("put", "rrset", k.size(), [&](size_t i) { put_rrset(k[i], v[i]); });
    }
    void put_names(std::span<const xgslb_name_key> k, std::span<const xgslb_name> v) override {
        batch("put", "name", k.size(), [&](size_t i) { put_name(k[i], v[i]); });
    }
    void erase_names(std::span<const xgslb_name_key> k) override {
        batch("erase", "name", k.size(), [&](size_t i) { erase_name(k[i]); });
    }
    void erase_rrsets(std::span<const xgslb_rrset_key> k) override {
        batch("erase", "rrset", k.size(), [&](size_t i) { erase_rrset(k[i]); });
    }

private:
    template <typename Each>
    void batch(const char* op, const char* map, size_t n, Each each) {
        const bool fail = batch_count_++ == fail_batch;
        batches.push_back({op, map, n});
        for (size_t i = 0; i < n; ++i) {
            if (fail && i == fail_after) throw MapBatchError("injected batch failure", i);
            each(i);
        }
    }
    int batch_count_ = 0;
};

std::string many_hosts(int n) {
    std::string records;
    for (int i = 0; i < n; ++i)
        records += "  - {name: h" + std::to_string(i) + ".cloud.example.com, a: [10.1." + std::to_string(i / 250) + "." +
                   std::to_string(i % 250 + 1) + "]}\n";
    return records;
}

TEST(Publisher, PhasesAreWrittenAsBatchesInOrder) {
    BatchingWriter w;
    Publisher p(w);
    const MapContents m = contents(many_hosts(5000));
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.rrsets.puts, m.rrsets.size());
    EXPECT_EQ(s.names.puts, m.names.size());
    // rrsets (5001: the hosts' A sets and ns1's) in chunks of 4096, then names (5002: the apex
    // too); no name batch before the last rrset batch.
    std::vector<std::string> order;
    size_t rrset_entries = 0, name_entries = 0;
    for (const auto& b : w.batches) {
        order.push_back(b.op + " " + b.map);
        EXPECT_LE(b.size, 4096u);
        (b.map == "rrset" ? rrset_entries : name_entries) += b.size;
    }
    EXPECT_EQ(rrset_entries, m.rrsets.size());
    EXPECT_EQ(name_entries, m.names.size());
    EXPECT_EQ(order, (std::vector<std::string>{"put rrset", "put rrset", "put name", "put name"}));
    EXPECT_EQ(w.phases(), (std::vector<std::string>{"put zone", "put rrset", "put name", "put listen"}));
}

TEST(Publisher, BatchStoppedPartWayIsResumedExactly) {
    BatchingWriter w;
    Publisher p(w);
    const MapContents m = contents(many_hosts(5000));
    w.fail_batch = 1;     // the second rrset batch...
    w.fail_after = 100;   // ...applies 100 entries, then fails
    EXPECT_THROW(p.publish(m), MapBatchError);
    EXPECT_EQ(p.published().rrsets.size(), 4096u + 100u);
    EXPECT_TRUE(p.published().names.empty());  // the names phase never started
    const size_t written = w.calls.size();
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.rrsets.puts, m.rrsets.size() - 4196u);
    EXPECT_EQ(s.names.puts, m.names.size());
    EXPECT_EQ(w.calls.size() - written, s.writes());
    EXPECT_EQ(p.publish(m).writes(), 0u);

    // Erasing in batches: replacing every host by one other is two name batches, then two
    // rrset batches, after the new one's puts.
    w.batches.clear();
    const PublishStats gone = p.publish(contents(kRoundRobin));
    EXPECT_EQ(gone.names.erases, 5000u);
    EXPECT_EQ(gone.rrsets.erases, 5000u);
    std::vector<std::string> order;
    for (const auto& b : w.batches) order.push_back(b.op + " " + b.map);
    EXPECT_EQ(order, (std::vector<std::string>{"put rrset", "put name", "erase name", "erase name", "erase rrset",
                                               "erase rrset"}));
}

// A writer that lets the publisher share a phase's batches between two threads: it records the
// begin and end of every batch, from whichever thread, and can fail the batch starting at a key.
class ConcurrentWriter : public RecordingWriter {
public:
    struct Event {
        std::string what;  // "begin rrset", "end name", ...
        std::thread::id thread;
    };
    std::vector<Event> events;
    std::set<std::thread::id> rrset_threads;
    std::map<uint64_t, int> rrset_puts;  // name hash -> times written
    std::optional<xgslb_rrset_key> fail_batch_at;  // the batch starting with this key...
    size_t fail_after = 0;                          // ...applies this many, then fails

    bool batches_may_run_concurrently() const override { return true; }
    void put_rrsets(std::span<const xgslb_rrset_key> k, std::span<const xgslb_rrset> v) override {
        event("begin rrset");
        size_t n = k.size();
        const bool fail = fail_batch_at && same_bytes(k[0], *fail_batch_at);
        if (fail) n = fail_after;
        {
            std::lock_guard lock(mutex_);
            rrset_threads.insert(std::this_thread::get_id());
            for (size_t i = 0; i < n; ++i) {
                ++rrset_puts[k[i].name_hash];
                EXPECT_EQ(v[i].check, hash_check_of(k[i]));
            }
        }
        event("end rrset");
        if (fail) throw MapBatchError("injected batch failure", n);
    }
    void put_names(std::span<const xgslb_name_key>, std::span<const xgslb_name>) override {
        event("begin name");
        event("end name");
    }
    std::function<uint64_t(const xgslb_rrset_key&)> hash_check_of;

private:
    void event(const char* what) {
        std::lock_guard lock(mutex_);
        events.push_back({what, std::this_thread::get_id()});
    }
    std::mutex mutex_;
};

TEST(Publisher, TwoThreadsShareAPhaseThatStillEndsBeforeTheNext) {
    ConcurrentWriter w;
    const MapContents m = contents(many_hosts(5000));  // 5001 rrsets: two batches
    w.hash_check_of = [&](const xgslb_rrset_key& k) { return m.rrsets.at(k).check; };
    Publisher p(w);
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.rrsets.puts, m.rrsets.size());
    EXPECT_EQ(w.rrset_threads.size(), 2u);
    EXPECT_EQ(w.rrset_puts.size(), m.rrsets.size());
    for (const auto& [hash, times] : w.rrset_puts) EXPECT_EQ(times, 1) << hash;
    size_t last_rrset_end = 0, first_name_begin = w.events.size();
    for (size_t i = 0; i < w.events.size(); ++i) {
        if (w.events[i].what == "end rrset") last_rrset_end = i;
        if (w.events[i].what == "begin name") first_name_begin = std::min(first_name_begin, i);
    }
    EXPECT_LT(last_rrset_end, first_name_begin);
    EXPECT_EQ(p.publish(m).writes(), 0u);
}

TEST(Publisher, FailureInTheSecondThreadIsRememberedExactly) {
    ConcurrentWriter w;
    const MapContents m = contents(many_hosts(5000));
    w.hash_check_of = [&](const xgslb_rrset_key& k) { return m.rrsets.at(k).check; };
    w.fail_batch_at = m.rrsets.key(4096);  // the second thread's first (and only) batch
    w.fail_after = 100;
    Publisher p(w);
    EXPECT_THROW(p.publish(m), MapBatchError);
    // The first thread's batch may or may not have run before the failure stopped it: what is
    // remembered is exactly what was applied, whichever it was.
    const size_t applied = w.rrset_puts.size();
    EXPECT_TRUE(applied == 100u || applied == 4096u + 100u) << applied;
    EXPECT_EQ(p.published().rrsets.size(), applied);
    for (size_t i = 0; i < p.published().rrsets.size(); ++i)
        EXPECT_EQ(w.rrset_puts.count(p.published().rrsets.key(i).name_hash), 1u);
    for (size_t i = 4096; i < 4196; ++i) EXPECT_NE(p.published().rrsets.find(m.rrsets.key(i)), RrsetEntries::npos);
    EXPECT_TRUE(p.published().names.empty());
    w.fail_batch_at.reset();
    const PublishStats s = p.publish(m);
    EXPECT_EQ(s.rrsets.puts, m.rrsets.size() - applied);
    for (const auto& [hash, times] : w.rrset_puts) EXPECT_EQ(times, 1) << hash;
    EXPECT_EQ(p.publish(m).writes(), 0u);
}

TEST(Publisher, MovedContentsBecomeThePublishedOnes) {
    RecordingWriter w;
    Publisher p(w);
    MapContents m = contents(kRoundRobin + kDeep);
    const MapContents copy = m;
    p.publish(std::move(m));
    ASSERT_EQ(p.published().rrsets.size(), copy.rrsets.size());
    for (const auto& [k, v] : copy.rrsets) EXPECT_TRUE(same_bytes(p.published().rrsets.at(k), v));
    EXPECT_EQ(p.publish(copy).writes(), 0u);
}

}  // namespace
}  // namespace xgslb
