#include "userspace/cluster/model_loop.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <condition_variable>

#include "tests/unit/cluster_test_util.h"
#include "userspace/cluster/gslb_ingress.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/view_assembly.h"

namespace xgslb {
namespace {

using namespace std::chrono_literals;

// A cluster pushed by the test; records what the loop writes back.
class FakeSource : public ClusterSource {
public:
    void start(OnChange on_change) override { on_change_ = std::move(on_change); }
    void stop() override {}
    bool is_leader() const override { return leader; }
    void write_gslb_status(const std::string& ns, const std::string& name, const nlohmann::json& status) override {
        std::lock_guard lock(m);
        statuses.push_back({ns + "/" + name, status});
    }
    void create_gslb(const nlohmann::json& gslb) override {
        std::lock_guard lock(m);
        created.push_back(gslb);
    }
    SourceHealth health() const override { return {true, "", 0}; }
    bool writes_gslb_ingresses() const override { return writes_ingresses; }
    void write_gslb_ingress(const GslbIngressWrite& w) override {
        std::lock_guard lock(m);
        ingresses.push_back(w);
    }

    void push(ClusterState s) { on_change_(std::make_shared<const ClusterState>(std::move(s))); }

    std::atomic<bool> leader{true};
    std::mutex m;
    std::vector<std::pair<std::string, nlohmann::json>> statuses;
    std::vector<nlohmann::json> created;
    bool writes_ingresses = false;
    std::vector<GslbIngressWrite> ingresses;

private:
    OnChange on_change_;
};

Config test_config() {
    return parse_config(R"(
instance: t
geoTag: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["127.0.0.1:53"]}
source: {manifests: /nonexistent, resyncSeconds: 3600}
)", "test.yaml");
}

std::vector<std::string> addresses(const ZoneView& view, const std::string& name) {
    std::vector<std::string> out;
    const WireName w = name_to_wire(name);
    const Zone* z = view.find_zone(w);
    const Node* n = z ? z->find(w) : nullptr;
    if (!n) return out;
    for (uint16_t type : {rrtype::A, rrtype::AAAA})
        if (const RRset* set = n->find(type))
            for (const auto& r : set->rdata) {
                char text[INET6_ADDRSTRLEN];
                inet_ntop(type == rrtype::A ? AF_INET : AF_INET6, r.data(), text, sizeof text);
                out.push_back(text);
            }
    return out;
}

class ModelLoopTest : public ::testing::Test {
protected:
    void make(ClusterState first) {
        auto source = std::make_unique<FakeSource>();
        source_ = source.get();
        loop_ = std::make_unique<ModelLoop>(
            test_config(), std::move(source),
            [](const Config& c, const std::vector<GslbHost>& h, const std::vector<PeerTargets>& p) {
                return build_view(c, h, p, nullptr);
            },
            [this](std::shared_ptr<const ZoneView> v) {
                std::lock_guard lock(m_);
                views_.push_back(std::move(v));
                cv_.notify_all();
            },
            std::make_shared<test::TableResolver>());
        // The first state arrives while start() waits for it, as from a real source's thread.
        std::thread pusher([this, first = std::move(first)]() mutable {
            std::this_thread::sleep_for(10ms);
            source_->push(std::move(first));
        });
        loop_->start(2s);
        pusher.join();
    }
    // The view of the count-th publish, once the step that published it (write-back included)
    // is over: counters() waits for the step to let go of the model.
    std::shared_ptr<const ZoneView> wait_views(size_t count) {
        std::shared_ptr<const ZoneView> view;
        {
            std::unique_lock lock(m_);
            EXPECT_TRUE(cv_.wait_for(lock, 2s, [&] { return views_.size() >= count; })) << "publish " << count << " missing";
            view = views_.empty() ? nullptr : views_.back();
        }
        loop_->counters();
        return view;
    }
    size_t published() {
        std::lock_guard lock(m_);
        return views_.size();
    }
    void TearDown() override { loop_.reset(); }

    FakeSource* source_ = nullptr;
    std::unique_ptr<ModelLoop> loop_;
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<std::shared_ptr<const ZoneView>> views_;
};

ClusterState scaled_to_zero() {
    ClusterState s = test::sample_cluster();
    s.edit(kKindEndpointSlice, "test-gslb/frontend-podinfo-abcde")["endpoints"][0]["conditions"]["ready"] = false;
    s.edit(kKindEndpointSlice, "test-gslb/frontend-podinfo-abcde")["endpoints"][1]["conditions"]["ready"] = false;
    return s;
}

TEST_F(ModelLoopTest, FirstPublishServesHealthyHostsAndWritesK8gbStatuses) {
    make(test::sample_cluster());
    const auto view = wait_views(1);
    ASSERT_EQ(published(), 1u);  // start() waited for the first state: no empty publish before it
    EXPECT_EQ(addresses(*view, "roundrobin.cloud.example.com"),
              (std::vector<std::string>{"172.18.0.3", "172.18.0.4", "2001:db8::3"}));
    EXPECT_EQ(addresses(*view, "localtargets-roundrobin.cloud.example.com"),
              (std::vector<std::string>{"172.18.0.3", "172.18.0.4", "2001:db8::3"}));
    EXPECT_TRUE(addresses(*view, "unhealthy.cloud.example.com").empty());
    EXPECT_TRUE(addresses(*view, "notfound.cloud.example.com").empty());

    std::lock_guard lock(source_->m);
    ASSERT_EQ(source_->statuses.size(), 2u);
    EXPECT_EQ(source_->statuses[0].first, "test-gslb/test-gslb");
    const nlohmann::json& st = source_->statuses[0].second;
    EXPECT_EQ(st["healthyRecords"], nlohmann::json::parse(
        R"({"roundrobin.cloud.example.com": ["172.18.0.3", "172.18.0.4", "2001:db8::3"]})"));
    EXPECT_EQ(st["serviceHealth"]["unhealthy.cloud.example.com"], "Unhealthy");
    EXPECT_EQ(st["geoTag"], "eu");
    EXPECT_EQ(loop_->host_names(), (std::vector<std::string>{"failover.cloud.example.com", "notfound.cloud.example.com",
                                                              "roundrobin.cloud.example.com", "unhealthy.cloud.example.com"}));
}

TEST_F(ModelLoopTest, ScaledToZeroRemovesRecordsAndRewritesStatusOnlyOnChange) {
    make(test::sample_cluster());
    wait_views(1);
    source_->push(scaled_to_zero());
    auto view = wait_views(2);
    EXPECT_TRUE(addresses(*view, "roundrobin.cloud.example.com").empty());
    EXPECT_TRUE(addresses(*view, "localtargets-roundrobin.cloud.example.com").empty());
    {
        std::lock_guard lock(source_->m);
        ASSERT_EQ(source_->statuses.size(), 4u);  // both Gslbs changed
        EXPECT_EQ(source_->statuses[2].second["serviceHealth"]["roundrobin.cloud.example.com"], "Unhealthy");
        EXPECT_EQ(source_->statuses[2].second["healthyRecords"], nlohmann::json::object());
    }
    source_->push(scaled_to_zero());  // the same cluster again: republished, nothing to write
    wait_views(3);
    {
        std::lock_guard lock(source_->m);
        EXPECT_EQ(source_->statuses.size(), 4u);
    }
    source_->push(test::sample_cluster());  // scaled back up
    view = wait_views(4);
    EXPECT_EQ(addresses(*view, "roundrobin.cloud.example.com").size(), 3u);
    EXPECT_EQ(loop_->counters().status_writes, 6u);
}

TEST_F(ModelLoopTest, OnlyTheLeaderWritesBack) {
    source_ = nullptr;
    ClusterState s = test::sample_cluster();
    test::add_yaml(s, R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: apps, annotations: {k8gb.io/strategy: roundRobin}}
spec: {rules: [{host: shop.cloud.example.com}]}
)");
    make(s);
    wait_views(1);
    {
        std::lock_guard lock(source_->m);
        EXPECT_EQ(source_->created.size(), 1u);
        EXPECT_EQ(source_->statuses.size(), 2u);
    }
    source_->leader = false;
    source_->push(scaled_to_zero());
    wait_views(2);
    std::lock_guard lock(source_->m);
    EXPECT_EQ(source_->statuses.size(), 2u);
    EXPECT_EQ(source_->created.size(), 1u);
}

// The API source keeps the Ingress of an embedded spec.ingress (k8gb's behaviour): the leader
// writes it once per state that needs it, and nobody else does.
TEST_F(ModelLoopTest, LeaderKeepsTheIngressOfAnEmbeddedSpec) {
    ClusterState s = test::sample_cluster();
    s.objects[kKindIngress].erase("test-gslb/test-gslb");  // not created yet
    make(s);
    wait_views(1);
    {
        std::lock_guard lock(source_->m);
        EXPECT_TRUE(source_->ingresses.empty());  // the manifests-like default: never asked
    }
    source_->writes_ingresses = true;
    source_->push(s);
    wait_views(2);
    std::vector<GslbIngressWrite> first_writes;
    {
        std::lock_guard lock(source_->m);
        first_writes = source_->ingresses;
    }
    ASSERT_FALSE(first_writes.empty());
    const auto created = std::find_if(first_writes.begin(), first_writes.end(),
                                      [](const GslbIngressWrite& w) { return w.object["metadata"]["name"] == "test-gslb"; });
    ASSERT_NE(created, first_writes.end());
    EXPECT_TRUE(created->create);
    EXPECT_EQ(created->object["spec"], s.find(kKindGslb, "test-gslb", "test-gslb")->at("spec").at("ingress"));

    source_->push(s);  // the same state again (the watch has not shown the Ingress yet): no repeat
    wait_views(3);
    {
        std::lock_guard lock(source_->m);
        EXPECT_EQ(source_->ingresses.size(), first_writes.size());
    }
    // The Ingresses as written appear in the next state: nothing left to write.
    for (const auto& w : first_writes) s.put(kKindIngress, object_key(w.object), w.object);
    source_->push(s);
    wait_views(4);
    {
        std::lock_guard lock(source_->m);
        EXPECT_EQ(source_->ingresses.size(), first_writes.size());
    }
    // A follower never writes one, even when it is missing.
    source_->leader = false;
    s.objects[kKindIngress].erase("test-gslb/test-gslb");
    source_->push(s);
    wait_views(5);
    EXPECT_EQ(loop_->counters().ingresses_written, first_writes.size());
    std::lock_guard lock(source_->m);
    EXPECT_EQ(source_->ingresses.size(), first_writes.size());
}

TEST_F(ModelLoopTest, PeerTargetsRepublishAndHostNamesAreOffered) {
    make(test::sample_cluster());
    wait_views(1);
    std::vector<std::string> names;
    loop_->on_hosts_changed([&](std::vector<std::string> n) { names = std::move(n); });
    EXPECT_EQ(names.size(), 4u);  // given at once
    loop_->set_peer_targets({PeerTargets{"us", {{"roundrobin.cloud.example.com", {{test::v4(10, 9, 9, 9)}, {}}}}}});
    wait_views(2);
    EXPECT_EQ(published(), 2u);
}

TEST_F(ModelLoopTest, ReloadRepublishesWithTheNewConfig) {
    make(test::sample_cluster());
    wait_views(1);
    Config next = test_config();
    next.zones[0].negative_ttl = 99;
    loop_->reload(next);
    const auto view = wait_views(2);
    EXPECT_EQ(view->zones().begin()->second.soa().minimum, 99u);
    EXPECT_EQ(addresses(*view, "roundrobin.cloud.example.com").size(), 3u);  // the hosts stay
}

// Hosts outside every served zone are left out (build_view would refuse the whole view): a label
// boundary counts, not a text suffix, and an escaped dot is not a boundary.
TEST_F(ModelLoopTest, OnlyHostsInsideAServedZoneArePublished) {
    ClusterState s;
    test::add_yaml(s, R"(
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: edge, namespace: ns}
spec:
  ingress:
    rules:
    - {host: In.Cloud.Example.com, http: {paths: [{backend: {service: {name: app}}}]}}
    - {host: xcloud.example.com, http: {paths: [{backend: {service: {name: app}}}]}}
    - {host: 'a\.cloud.example.com', http: {paths: [{backend: {service: {name: app}}}]}}
    - {host: 'b.a\.cloud.example.com', http: {paths: [{backend: {service: {name: app}}}]}}
    - {host: 'c\.d.cloud.example.com', http: {paths: [{backend: {service: {name: app}}}]}}
    - {host: example.com, http: {paths: [{backend: {service: {name: app}}}]}}
  strategy: {type: roundRobin}
)");
    make(std::move(s));
    wait_views(1);
    EXPECT_EQ(loop_->host_names(), (std::vector<std::string>{"c\\.d.cloud.example.com", "in.cloud.example.com"}));
}

TEST(ModelLoop, WithoutASourceServesStaticRecords) {
    std::shared_ptr<const ZoneView> last;
    Config c = test_config();
    c.cluster_source = {};
    c.records.push_back({});
    c.records.back().name = "static.cloud.example.com";
    c.records.back().a = {test::v4(192, 0, 2, 1)};
    ModelLoop loop(
        c, nullptr,
        [](const Config& cfg, const std::vector<GslbHost>& h, const std::vector<PeerTargets>& p) {
            return build_view(cfg, h, p, nullptr);
        },
        [&](std::shared_ptr<const ZoneView> v) { last = std::move(v); }, std::make_shared<test::TableResolver>());
    loop.start(0ms);
    ASSERT_TRUE(last);
    EXPECT_EQ(addresses(*last, "static.cloud.example.com"), (std::vector<std::string>{"192.0.2.1"}));
    EXPECT_TRUE(loop.host_names().empty());
}

}  // namespace
}  // namespace xgslb
