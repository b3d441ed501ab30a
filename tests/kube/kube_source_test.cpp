// The Kubernetes client and source against the API-server test double (real TLS, real HTTP,
// real chunked watches on 127.0.0.1): every event arrives, failures recover to exactly the
// double's objects, the last state is kept meanwhile, status lands in /status only, one leader.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "tests/kube/api_double_process.h"
#include "userspace/cluster/kube_api.h"
#include "userspace/cluster/kube_reflector.h"
#include "userspace/cluster/kubernetes_source.h"
#include "userspace/cluster/gslb_ingress.h"
#include "userspace/cluster/lease_elector.h"
#include "userspace/cluster/model_loop.h"
#include "userspace/view_assembly.h"

namespace xgslb {
namespace {

using namespace std::chrono_literals;
using test::ApiDoubleOptions;
using test::ApiDoubleProcess;
using test::eventually;
using Objects = std::map<std::string, std::map<std::string, nlohmann::json>>;

ApiDoubleOptions with_fixtures() {
    ApiDoubleOptions o;
    o.objects = {std::string(XGSLB_FIXTURES_DIR "/k8gb"), std::string(XGSLB_KUBE_OBJECTS_DIR)};
    o.bookmark_interval = 0.5;
    return o;
}

// Writes a kubeconfig for the double, so the source is built the way a user builds it.
std::string kubeconfig_for(const ApiDoubleProcess& api, const std::string& token) {
    const auto conn = api.connection();
    const std::string path = ApiDoubleProcess::cert_dir() + "/kubeconfig-" + std::to_string(std::rand());
    std::ofstream(path) << "current-context: test\n"
                        << "contexts: [{name: test, context: {cluster: double, user: tester}}]\n"
                        << "clusters: [{name: double, cluster: {server: \"" << conn.server
                        << "\", certificate-authority: " << ApiDoubleProcess::cert_dir() << "/ca.crt}}]\n"
                        << "users: [{name: tester, user: {token: " << token << "}}]\n";
    return path;
}

KubernetesSourceConfig fast_config(const ApiDoubleProcess& api, const std::string& identity = "node-a") {
    KubernetesSourceConfig c;
    c.kubeconfig = kubeconfig_for(api, api.token());
    c.identity = identity;
    c.lease_namespace = "xgslb";
    c.lease_duration = 2s;
    c.lease_renew_deadline = 1500ms;
    c.lease_renew_period = 300ms;
    c.connect_timeout = 2s;
    c.request_timeout = 5s;
    c.watch_idle_timeout = 2s;  // bookmarks every 0.5 s keep a healthy stream alive
    c.watch_timeout_seconds = 30;
    c.list_page_size = 2;       // force paging even with a handful of objects
    c.backoff_initial = 100ms;
    c.backoff_max = 400ms;
    c.debounce = 20ms;
    return c;
}

// Collects what a source delivers.
struct Deliveries {
    std::mutex mutex;
    std::shared_ptr<const ClusterState> last;
    int count = 0;
    ClusterSource::OnChange callback() {
        return [this](std::shared_ptr<const ClusterState> s) {
            std::lock_guard lock(mutex);
            last = std::move(s);
            ++count;
        };
    }
    Objects objects() {
        std::lock_guard lock(mutex);
        Objects out;
        if (last)
            for (const auto& [kind, items] : last->objects)
                for (const auto& [key, object] : items) out[kind][key] = *object;
        return out;
    }
    int deliveries() {
        std::lock_guard lock(mutex);
        return count;
    }
};

nlohmann::json slice(const std::string& name, int ready_endpoints, const std::string& ns = "test-gslb") {
    nlohmann::json endpoints = nlohmann::json::array();
    for (int i = 0; i < ready_endpoints; ++i)
        endpoints.push_back({{"addresses", {"10.42.1." + std::to_string(i + 1)}}, {"conditions", {{"ready", true}}}});
    return {{"apiVersion", "discovery.k8s.io/v1"},
            {"kind", "EndpointSlice"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"kubernetes.io/service-name", "frontend-podinfo"}}}}},
            {"addressType", "IPv4"},
            {"endpoints", endpoints}};
}

bool same_as_double(Deliveries& d, const ApiDoubleProcess& api) { return d.objects() == api.objects(); }

std::unique_ptr<ClusterSource> start_source(Deliveries& d, const KubernetesSourceConfig& config) {
    auto source = make_kubernetes_source(config);
    source->start(d.callback());
    return source;
}

TEST(KubeSource, FirstSnapshotHoldsK8gbSamplesAndEveryKind) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto source = start_source(d, fast_config(api));
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    const auto objects = d.objects();
    EXPECT_EQ(objects.at("Gslb").size(), 2u);
    EXPECT_TRUE(objects.at("Gslb").count("test-gslb/test-gslb"));
    EXPECT_TRUE(objects.at("Gslb").count("test-gslb/test-gslb-failover"));
    EXPECT_EQ(objects.at("Gslb").at("test-gslb/test-gslb")["spec"]["strategy"]["type"], "roundRobin");
    EXPECT_EQ(objects.at("Service").size(), 2u);
    EXPECT_EQ(objects.at("EndpointSlice").size(), 2u);
    EXPECT_EQ(objects.at("Ingress").at("podinfo/podinfo")["status"]["loadBalancer"]["ingress"][1]["ip"], "fd00::5");
    EXPECT_TRUE(source->health().synced);
    EXPECT_EQ(source->health().last_error, "");
    source->stop();
}

TEST(KubeSource, ReflectorSeesEveryEventInOrder) {
    ApiDoubleProcess api(with_fixtures());
    KubeApi kube(KubeHttp(api.connection(), {}));
    std::vector<int> seen;  // ready endpoints of the slice after each change, as the mirror held it
    std::unique_ptr<KubeReflector> reflector;
    reflector = std::make_unique<KubeReflector>(kube, kEndpointSliceResource, "", ReflectorTimings{1, 30, 100ms, 400ms}, [&] {
        auto m = reflector->mirror();
        auto it = m.find("test-gslb/scaled");
        if (it != m.end()) seen.push_back(static_cast<int>(it->second->at("endpoints").size()));
    });
    StopSignal stop;
    std::thread t([&] { reflector->run(stop); });
    struct Joiner {
        StopSignal& stop;
        std::thread& t;
        ~Joiner() {
            stop.request();
            if (t.joinable()) t.join();
        }
    } joiner{stop, t};
    ASSERT_TRUE(eventually([&] { return reflector->status().synced; }, 10s)) << reflector->status().last_error;
    constexpr int kChanges = 40;
    for (int i = 1; i <= kChanges; ++i) api.apply(slice("scaled", i % 7));
    api.remove("EndpointSlice", "test-gslb", "scaled");
    ASSERT_TRUE(eventually([&] { return reflector->mirror().count("test-gslb/scaled") == 0 && seen.size() >= kChanges; }, 10s));
    stop.request();
    t.join();
    ASSERT_EQ(seen.size(), static_cast<size_t>(kChanges));
    for (int i = 1; i <= kChanges; ++i) EXPECT_EQ(seen[i - 1], i % 7) << "change " << i;
    EXPECT_EQ(reflector->status().relists, 1u);
}

TEST(KubeSource, DroppedStreamsLoseNoEvent) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto source = start_source(d, fast_config(api));
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    const auto restarts = source->health().restarts;
    for (int round = 0; round < 5; ++round) {
        api.apply(slice("burst-" + std::to_string(round), round + 1));
        api.fault({{"drop_watches", true}});
        api.apply(slice("frontend-podinfo-abc12", round));  // while the watches reconnect
        api.remove("EndpointSlice", "test-gslb", "burst-" + std::to_string(round));
    }
    EXPECT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    EXPECT_GE(source->health().restarts, restarts + 5);
    EXPECT_TRUE(eventually([&] { return source->health().synced; }, 5s));
    source->stop();
}

TEST(KubeSource, GoneRelistsAndCatchesMissedDeletes) {
    ApiDoubleProcess api(with_fixtures());
    KubeApi kube(KubeHttp(api.connection(), {}));
    Deliveries d;
    auto source = start_source(d, fast_config(api));
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    // 410 as an ERROR event: the history is compacted under open watches while objects change
    // and one is deleted, so only a fresh list can show the delete.
    api.fault({{"stall_seconds", 0.5}});
    api.remove("Service", "test-gslb", "unhealthy-app");
    api.apply(slice("after-compaction", 3));
    api.fault({{"compact", true}});
    EXPECT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    EXPECT_FALSE(d.objects().at("Service").count("test-gslb/unhealthy-app"));
    // 410 as the HTTP status of the watch request itself.
    api.fault({{"watch_410_next", 4}, {"drop_watches", true}});
    api.apply(slice("after-http-410", 2));
    EXPECT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    // Each of the four resources listed again at least once per 410 kind.
    int lists = 0;
    for (const auto& r : api.requests()) lists += r["verb"] == "list";
    EXPECT_GE(lists, 4 * 3);
    source->stop();
}

TEST(KubeSource, ServerErrorsBackOffThenRecover) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto config = fast_config(api);
    config.leader_election = false;  // only the four reflectors take the injected failures
    auto source = start_source(d, config);
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    const auto before = d.objects();
    constexpr int kFailures = 24;  // six per resource on average
    api.fault({{"fail_next", kFailures}, {"drop_watches", true}});
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(eventually([&] { return !source->health().synced; }, 5s));
    EXPECT_NE(source->health().last_error.find("HTTP 500"), std::string::npos) << source->health().last_error;
    EXPECT_EQ(d.objects(), before);  // fail-static: the last state stands
    api.apply(slice("after-errors", 1));
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api) && source->health().synced; }, 20s));
    const auto took = std::chrono::steady_clock::now() - start;
    // 24 failures over 4 reflectors: at least one reflector failed 6 times in a row, waiting at
    // least 50+100+200+200+200+200 ms (half of each ceiling) before its 7th attempt.
    std::printf("recovered from %d injected 500s in %lld ms\n", kFailures,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    EXPECT_GE(took, 950ms);
    EXPECT_LE(took, 15s);
    EXPECT_EQ(source->health().last_error, "");
    source->stop();
}

TEST(KubeSource, StalledStreamIsDetectedAndResumed) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto source = start_source(d, fast_config(api));
    ASSERT_TRUE(eventually([&] { return same_as_double(d, api); }, 10s));
    api.fault({{"stall_seconds", 4}});  // longer than watch_idle_timeout (2 s)
    api.apply(slice("during-stall", 2));
    ASSERT_TRUE(eventually([&] { return !source->health().synced; }, 6s));
    EXPECT_FALSE(source->health().last_error.empty());
    EXPECT_TRUE(eventually([&] { return same_as_double(d, api) && source->health().synced; }, 15s));
    source->stop();
}

TEST(KubeSource, ApiServerGoneKeepsTheLastState) {
    auto api = std::make_unique<ApiDoubleProcess>(with_fixtures());
    Deliveries d;
    auto source = make_kubernetes_source(fast_config(*api));
    source->start(d.callback());
    ASSERT_TRUE(eventually([&] { return same_as_double(d, *api); }, 10s));
    const auto last = d.objects();
    const int deliveries = d.deliveries();
    api->kill_now();
    ASSERT_TRUE(eventually([&] { return !source->health().synced; }, 5s));
    std::this_thread::sleep_for(1s);  // several reconnect attempts fail meanwhile
    EXPECT_EQ(d.objects(), last);
    EXPECT_EQ(d.deliveries(), deliveries);
    EXPECT_FALSE(source->health().last_error.empty());
    const auto t0 = std::chrono::steady_clock::now();
    source->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);  // stop does not wait out a backoff
}

TEST(KubeSource, WrongTokenIsAClearError) {
    ApiDoubleProcess api(with_fixtures());
    auto config = fast_config(api);
    config.kubeconfig = kubeconfig_for(api, "not-the-token");
    Deliveries d;
    auto source = make_kubernetes_source(config);
    source->start(d.callback());
    ASSERT_TRUE(eventually([&] { return !source->health().last_error.empty(); }, 5s));
    const auto error = source->health().last_error;
    EXPECT_NE(error.find("HTTP 401"), std::string::npos) << error;
    EXPECT_NE(error.find("rejected the credentials"), std::string::npos) << error;
    EXPECT_FALSE(source->health().synced);
    EXPECT_EQ(d.deliveries(), 0);
    source->stop();
}

TEST(KubeSource, WrongCaIsRefused) {
    ApiDoubleProcess api(with_fixtures());
    auto conn = api.connection();
    conn.ca_pem = ApiDoubleProcess::wrong_ca_pem();
    KubeApi kube(KubeHttp(conn, {}));
    try {
        kube.list(kGslbResource, 0, "");
        FAIL() << "a server certificate from another CA was accepted";
    } catch (const KubeApiError& e) {
        FAIL() << "got an HTTP answer: " << e.what();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(api.requests().empty());  // nothing reached the server's HTTP layer
    // The right CA, for contrast: the same call succeeds.
    EXPECT_EQ(KubeApi(KubeHttp(api.connection(), {})).list(kGslbResource, 0, "").items.size(), 2u);
}

TEST(KubeSource, StatusWriteLandsInStatusOnly) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto source = make_kubernetes_source(fast_config(api));
    const nlohmann::json status = {{"serviceHealth", {{"roundrobin.cloud.example.com", "Healthy"}}},
                                   {"healthyRecords", {{"roundrobin.cloud.example.com", {"172.18.0.5"}}}},
                                   {"geoTag", "eu"}};
    EXPECT_THROW(source->write_gslb_status("test-gslb", "test-gslb", status), Error);  // not started: not leader
    source->start(d.callback());
    ASSERT_TRUE(eventually([&] { return source->is_leader(); }, 5s));
    const auto before = api.objects().at("Gslb").at("test-gslb/test-gslb");
    source->write_gslb_status("test-gslb", "test-gslb", status);
    const auto after = api.objects().at("Gslb").at("test-gslb/test-gslb");
    EXPECT_EQ(after["status"], status);
    EXPECT_EQ(after["spec"], before["spec"]);
    EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"]);
    EXPECT_NE(after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
    // The watch brings the written status back into the snapshot.
    EXPECT_TRUE(eventually([&] { return same_as_double(d, api); }, 5s));

    // Another writer changes the Gslb between our read and our write, twice: each 409 makes
    // write_gslb_status read again, and the third round lands.
    auto count_gets = [&] {
        int n = 0;
        for (const auto& r : api.requests()) n += r["verb"] == "get" && r["resource"] == "gslbs";
        return n;
    };
    const int gets_before = count_gets();
    const nlohmann::json status2 = {{"geoTag", "eu"}, {"serviceHealth", {{"roundrobin.cloud.example.com", "Unhealthy"}}}};
    api.fault({{"conflict_next", 2}});
    source->write_gslb_status("test-gslb", "test-gslb", status2);
    EXPECT_EQ(api.objects().at("Gslb").at("test-gslb/test-gslb")["status"], status2);
    EXPECT_EQ(count_gets() - gets_before, 3);
    api.fault({{"conflict_next", 5}});  // more conflicts than the retries: the error says so
    try {
        source->write_gslb_status("test-gslb", "test-gslb", status);
        ADD_FAILURE() << "five conflicts in a row did not fail the write";
    } catch (const KubeApiError& e) {
        EXPECT_EQ(e.code, 409);
    }
    api.fault({{"conflict_next", 0}});

    // A stale resourceVersion is a 409.
    KubeApi kube(KubeHttp(api.connection(), {}));
    EXPECT_THROW(
        {
            try {
                kube.update(kGslbResource, "test-gslb", "test-gslb", before, "status");
            } catch (const KubeApiError& e) {
                EXPECT_EQ(e.code, 409);
                throw;
            }
        },
        KubeApiError);

    // An Ingress' Gslb is created with generated metadata; creating it twice is a conflict.
    nlohmann::json gslb = {{"apiVersion", "k8gb.absa.oss/v1beta1"},
                           {"kind", "Gslb"},
                           {"metadata", {{"name", "podinfo"}, {"namespace", "podinfo"}}},
                           {"spec", {{"resourceRef", {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"name", "podinfo"}}}}}};
    source->create_gslb(gslb);
    const auto created = api.objects().at("Gslb").at("podinfo/podinfo");
    EXPECT_FALSE(created["metadata"].value("uid", "").empty());
    EXPECT_FALSE(created["metadata"].value("creationTimestamp", "").empty());
    EXPECT_THROW(source->create_gslb(gslb), Error);
    source->stop();

    // Every request the client made is one the ClusterRole grants (kKubePermissions).
    for (const auto& r : api.requests()) {
        const bool granted = std::any_of(kKubePermissions.begin(), kKubePermissions.end(), [&](const KubePermission& p) {
            return p.verb == r["verb"].get<std::string>() && p.group == r["group"].get<std::string>() &&
                   p.resource == r["resource"].get<std::string>();
        });
        EXPECT_TRUE(granted) << r.dump();
    }
}

TEST(KubeSource, PutOnTheObjectIgnoresStatus) {
    ApiDoubleProcess api(with_fixtures());
    KubeApi kube(KubeHttp(api.connection(), {}));
    auto gslb = kube.get(kGslbResource, "test-gslb", "test-gslb-failover");
    auto edited = gslb;
    edited["status"] = {{"geoTag", "us"}};
    edited["spec"]["strategy"]["primaryGeoTag"] = "us";
    // Not in kKubePermissions (xgslb never updates a Gslb's spec): refused before it is sent.
    EXPECT_THROW(kube.update(kGslbResource, "test-gslb", "test-gslb-failover", edited), Error);
    KubeHttp http(api.connection(), {});
    auto r = http.request("PUT", kube_path(kGslbResource, "test-gslb", "test-gslb-failover"), edited.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto stored = api.objects().at("Gslb").at("test-gslb/test-gslb-failover");
    EXPECT_EQ(stored["spec"]["strategy"]["primaryGeoTag"], "us");
    EXPECT_FALSE(stored.contains("status"));
    EXPECT_EQ(stored["metadata"]["generation"], 2);
}

TEST(KubeSource, OneLeaderAndTakeoverWhenItStopsRenewing) {
    ApiDoubleProcess api(with_fixtures());
    auto config_a = fast_config(api, "node-a");
    config_a.release_lease_on_stop = false;  // a crash, not a clean hand-over
    auto a = make_kubernetes_source(config_a);
    auto b = make_kubernetes_source(fast_config(api, "node-b"));
    Deliveries da, db;
    a->start(da.callback());
    ASSERT_TRUE(eventually([&] { return a->is_leader(); }, 5s));
    b->start(db.callback());
    // For 3 s (ten renewals, b retrying as often), exactly one leader at every look.
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
        ASSERT_TRUE(a->is_leader());
        ASSERT_FALSE(b->is_leader());
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_THROW(b->write_gslb_status("test-gslb", "test-gslb", {{"geoTag", "b"}}), Error);
    const auto stopped = std::chrono::steady_clock::now();
    a->stop();  // stops renewing and leaves the Lease record as it was
    EXPECT_FALSE(a->is_leader());
    ASSERT_TRUE(eventually([&] { return b->is_leader(); }, 10s));
    const auto takeover = std::chrono::steady_clock::now() - stopped;
    // Not before the lease (2 s) ran out since b last saw it change, not much after.
    EXPECT_GE(takeover, 1500ms);
    EXPECT_LE(takeover, 4s);
    const auto after_takeover = api.control("objects");
    for (const auto& o : after_takeover["items"])
        if (o["kind"] == "Lease") {
            EXPECT_EQ(o["spec"]["holderIdentity"], "node-b");
            EXPECT_EQ(o["spec"]["leaseTransitions"], 1);
            EXPECT_EQ(o["spec"]["leaseDurationSeconds"], 2);
        }
    std::printf("lease takeover after the leader stopped renewing: %lld ms\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()));
    b->stop();
    // b stopped cleanly: it released the Lease for the next candidate.
    const auto after_release = api.control("objects");
    for (const auto& o : after_release["items"])
        if (o["kind"] == "Lease") {
            EXPECT_EQ(o["spec"]["holderIdentity"], "");
        }
}

TEST(KubeSource, RestrictedToNamespacesSeesOnlyThose) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    KubernetesSourceConfig c = fast_config(api);
    c.namespaces = {"podinfo", "nothing-here"};
    auto source = start_source(d, c);
    ASSERT_TRUE(eventually([&] { return d.deliveries() > 0; }, 10s));
    const Objects all = api.objects();
    Objects expected;
    for (const auto& [kind, items] : all)
        for (const auto& [key, object] : items)
            if (key.rfind("podinfo/", 0) == 0) expected[kind][key] = object;
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(d.objects(), expected);
    // A change in a watched namespace arrives; one elsewhere does not.
    nlohmann::json ingress = all.at("Ingress").at("podinfo/podinfo");
    ingress["metadata"]["labels"]["changed"] = "yes";
    api.apply(ingress);
    api.apply(slice("frontend-podinfo-new", 1));  // in test-gslb
    ASSERT_TRUE(eventually([&] { return d.objects()["Ingress"]["podinfo/podinfo"]["metadata"]["labels"]["changed"] == "yes"; }, 5s));
    EXPECT_FALSE(d.objects()["EndpointSlice"].count("test-gslb/frontend-podinfo-new"));
    EXPECT_TRUE(source->health().synced);
    source->stop();
}

// The Ingress of an embedded spec.ingress through the API's real semantics: created once (a
// second create is 409 AlreadyExists), updated only from the version read (else 409 Conflict).
TEST(KubeSource, GslbIngressWritesFollowTheApiSemantics) {
    ApiDoubleProcess api(with_fixtures());
    Deliveries d;
    auto source = make_kubernetes_source(fast_config(api));
    ASSERT_TRUE(source->writes_gslb_ingresses());
    const nlohmann::json gslb = api.objects().at("Gslb").at("test-gslb/test-gslb");
    const auto create = gslb_ingress_write(gslb, nullptr);
    ASSERT_TRUE(create);
    EXPECT_THROW(source->write_gslb_ingress(*create), Error);  // not started: not the leader
    source->start(d.callback());
    ASSERT_TRUE(eventually([&] { return source->is_leader(); }, 5s));
    source->write_gslb_ingress(*create);
    const nlohmann::json made = api.objects().at("Ingress").at("test-gslb/test-gslb");
    EXPECT_EQ(made["spec"], gslb["spec"]["ingress"]);
    EXPECT_EQ(made["metadata"]["ownerReferences"][0]["uid"], gslb["metadata"]["uid"]);
    try {
        source->write_gslb_ingress(*create);
        ADD_FAILURE() << "a second create succeeded";
    } catch (const KubeApiError& e) {
        EXPECT_EQ(e.code, 409);
        EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
    }
    nlohmann::json edited_gslb = gslb;
    edited_gslb["spec"]["ingress"]["rules"].erase(0);
    const auto update = gslb_ingress_write(edited_gslb, &made);
    ASSERT_TRUE(update);
    EXPECT_FALSE(update->create);
    api.apply([&] {  // someone else writes the Ingress after we read it
        nlohmann::json o = made;
        o["metadata"]["labels"]["touched"] = "yes";
        return o;
    }());
    try {
        source->write_gslb_ingress(*update);
        ADD_FAILURE() << "an update from a stale resourceVersion succeeded";
    } catch (const KubeApiError& e) {
        EXPECT_EQ(e.code, 409);
    }
    const nlohmann::json now = api.objects().at("Ingress").at("test-gslb/test-gslb");
    const auto retry = gslb_ingress_write(edited_gslb, &now);
    ASSERT_TRUE(retry);
    source->write_gslb_ingress(*retry);
    const nlohmann::json after = api.objects().at("Ingress").at("test-gslb/test-gslb");
    EXPECT_EQ(after["spec"], edited_gslb["spec"]["ingress"]);
    EXPECT_EQ(after["metadata"]["labels"]["touched"], "yes");  // the other writer's change kept
    EXPECT_EQ(after["metadata"]["generation"], 2);
    source->stop();
    int creates = 0, updates = 0;
    for (const auto& r : api.requests())
        if (r["resource"] == "ingresses") creates += r["verb"] == "create", updates += r["verb"] == "update";
    EXPECT_EQ(creates, 2);
    EXPECT_EQ(updates, 2);
}

// The whole path against the API: k8gb's roundRobin sample embeds spec.ingress and nothing has
// created its Ingress. The leader's model loop creates it, owned by the Gslb; once the ingress
// controller (here: the test) writes its load-balancer address into its status, that address
// is what the Gslb's healthy host is served with.
TEST(KubeSource, LeaderCreatesTheEmbeddedIngressAndServesItsAddress) {
    ApiDoubleProcess api(with_fixtures());
    ASSERT_FALSE(api.objects()["Ingress"].count("test-gslb/test-gslb"));
    std::mutex m;
    std::shared_ptr<const ZoneView> last;
    Config config = parse_config(R"(
instance: t
geoTag: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["127.0.0.1:53"]}
)", "test.yaml");
    ModelLoop loop(
        config, make_kubernetes_source(fast_config(api)),
        [](const Config& c, const std::vector<GslbHost>& h, const std::vector<PeerTargets>& p) {
            return build_view(c, h, p, nullptr);
        },
        [&](std::shared_ptr<const ZoneView> v) {
            std::lock_guard lock(m);
            last = std::move(v);
        },
        std::make_shared<SystemHostnameResolver>());
    loop.start(10s);
    ASSERT_TRUE(eventually([&] { return api.objects()["Ingress"].count("test-gslb/test-gslb") > 0; }, 10s));
    nlohmann::json ingress = api.objects()["Ingress"]["test-gslb/test-gslb"];
    const nlohmann::json gslb = api.objects()["Gslb"]["test-gslb/test-gslb"];
    EXPECT_EQ(ingress["spec"], gslb["spec"]["ingress"]);
    EXPECT_EQ(ingress["metadata"]["ownerReferences"][0]["uid"], gslb["metadata"]["uid"]);
    EXPECT_EQ(ingress["metadata"]["annotations"]["k8gb.io/strategy"], "roundRobin");

    ingress["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "10.9.0.1"}}, {{"ip", "2001:db8::9"}}}}}}};
    api.apply(ingress);
    auto served = [&] {
        std::lock_guard lock(m);
        if (!last) return std::vector<std::string>{};
        const WireName name = name_to_wire("roundrobin.cloud.example.com");
        const Zone* z = last->find_zone(name);
        const Node* n = z ? z->find(name) : nullptr;
        std::vector<std::string> out;
        if (n)
            for (uint16_t type : {rrtype::A, rrtype::AAAA})
                if (const RRset* set = n->find(type)) out.push_back(std::to_string(type) + ":" + std::to_string(set->rdata.size()));
        return out;
    };
    EXPECT_TRUE(eventually([&] { return served() == std::vector<std::string>{"1:1", "28:1"}; }, 10s));
    loop.stop();
    // One create per Gslb that embeds spec.ingress (the roundRobin and the failover sample),
    // though many states came after them, and no update: they matched from then on.
    EXPECT_EQ(loop.counters().ingresses_written, 2u);
    int creates = 0, updates = 0;
    for (const auto& r : api.requests())
        if (r["resource"] == "ingresses") creates += r["verb"] == "create", updates += r["verb"] == "update";
    EXPECT_EQ(creates, 2);
    EXPECT_EQ(updates, 0);
}

}  // namespace
}  // namespace xgslb
