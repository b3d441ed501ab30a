// The PeerPoller against a scripted edge and a scripted peer on loopback: it finds the peer by
// its NS name at the edge, learns its localtargets-<host> answers (NXDOMAIN: an empty set),
// reports only changes, keeps polling when the edge goes quiet, and drops a silent peer within
// dropAfter + one interval.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>
#include <condition_variable>
#include <mutex>

#include "tests/peers/fake_dns_server.h"
#include "userspace/peers/peer_poller.h"

namespace xgslb {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Collects what the poller delivers, and lets the test wait for a condition on it.
class Deliveries {
public:
    void push(std::vector<PeerTargets> p) {
        std::lock_guard lock(mutex_);
        all_.push_back(std::move(p));
        at_.push_back(Clock::now());
        cv_.notify_all();
    }
    template <typename Pred>
    bool wait_for(std::chrono::milliseconds limit, Pred pred) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return !all_.empty() && pred(all_.back()); });
    }
    size_t count() {
        std::lock_guard lock(mutex_);
        return all_.size();
    }
    Clock::time_point last_at() {
        std::lock_guard lock(mutex_);
        return at_.back();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::vector<PeerTargets>> all_;
    std::vector<Clock::time_point> at_;
};

class PeerPollerTest : public ::testing::Test {
protected:
    void SetUp() override {
        edge_.set("gslb-ns-us-cloud.example.com", 1, {0, {"127.0.0.1"}});
        peer_.set("localtargets-app.cloud.example.com", 1, {0, {"10.2.0.2", "10.2.0.1"}});
        peer_.set("localtargets-app.cloud.example.com", 28, {0, {"2001:db8:2::1"}});
        options_.peers = {{"us", "gslb-ns-us-cloud.example.com"}};
        options_.zone = "cloud.example.com";
        options_.edge_servers = {parse_socket_address("127.0.0.1:" + std::to_string(edge_.port()))};
        options_.peer_port = peer_.port();
        options_.poll_interval = 100ms;
        options_.timeout = 50ms;
        options_.drop_after = 400ms;
    }

    test::FakeDnsServer edge_, peer_;
    PeerPollerOptions options_;
    Deliveries got_;
};

// The A targets the one peer gave for app (none when the peer or the host is not there yet: the
// first round may run before set_hosts).
std::vector<Ipv4Address> app_a(const std::vector<PeerTargets>& p) {
    if (p.size() != 1 || !p[0].hosts.count("app.cloud.example.com")) return {};
    return p[0].hosts.at("app.cloud.example.com").a;
}

TargetSet app_targets() { return {{{10, 2, 0, 1}, {10, 2, 0, 2}}, {{0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}}; }

TEST_F(PeerPollerTest, LearnsTargetsAndEmptySets) {
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com", "gone.cloud.example.com"});
    const std::vector<PeerTargets> expected{
        {"us", {{"app.cloud.example.com", app_targets()}, {"gone.cloud.example.com", TargetSet{}}}}};
    EXPECT_TRUE(got_.wait_for(2s, [&](const auto& p) { return p == expected; })) << "never saw the peer's targets";
    // Nothing changes: no more deliveries over several rounds.
    const size_t n = got_.count();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(got_.count(), n);
    // A change at the peer is delivered.
    peer_.set("localtargets-app.cloud.example.com", 1, {0, {"10.2.0.9"}});
    EXPECT_TRUE(got_.wait_for(1s, [](const auto& p) { return app_a(p) == std::vector<Ipv4Address>{{10, 2, 0, 9}}; }));
}

TEST_F(PeerPollerTest, DropsASilentPeerWithinDropAfterPlusOneInterval) {
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com"});
    ASSERT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
    const auto silenced = Clock::now();
    peer_.silent = true;
    ASSERT_TRUE(got_.wait_for(3s, [](const auto& p) { return p.empty(); })) << "the silent peer was never dropped";
    const auto took = got_.last_at() - silenced;
    EXPECT_GE(took, options_.drop_after - options_.poll_interval);  // not before it could have been heard
    EXPECT_LE(took, options_.drop_after + options_.poll_interval + 2 * options_.timeout);
    // Back again: present again.
    peer_.silent = false;
    EXPECT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
}

TEST_F(PeerPollerTest, KeepsPollingWithTheLastAddressesWhenTheEdgeIsQuiet) {
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com"});
    ASSERT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
    edge_.silent = true;
    peer_.set("localtargets-app.cloud.example.com", 1, {0, {"10.2.0.7"}});
    EXPECT_TRUE(got_.wait_for(2s, [](const auto& p) { return app_a(p) == std::vector<Ipv4Address>{{10, 2, 0, 7}}; }));
}

TEST_F(PeerPollerTest, TriesTheNextEdgeServerWhenOneIsSilent) {
    test::FakeDnsServer dead_edge;
    dead_edge.silent = true;
    options_.edge_servers.insert(options_.edge_servers.begin(),
                                 parse_socket_address("127.0.0.1:" + std::to_string(dead_edge.port())));
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com"});
    EXPECT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
    EXPECT_GE(dead_edge.udp_queries.load(), 1);
}

TEST_F(PeerPollerTest, AnUnregisteredPeerIsAbsent) {
    edge_.set("gslb-ns-us-cloud.example.com", 1, {3, {}});  // NXDOMAIN at the edge
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com"});
    EXPECT_TRUE(got_.wait_for(1s, [](const auto& p) { return p.empty(); }));
    EXPECT_EQ(peer_.udp_queries.load(), 0);
}

// An edge restored without the peer's glue (NXDOMAIN for its NS name) must not cut off a peer
// that still answers: the last addresses are kept (tests/integration/fault_edge_down_test.sh).
TEST_F(PeerPollerTest, KeepsTheLastAddressesWhenTheEdgeLosesTheGlue) {
    PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller.set_hosts({"app.cloud.example.com"});
    ASSERT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
    edge_.set("gslb-ns-us-cloud.example.com", 1, {3, {}});
    peer_.set("localtargets-app.cloud.example.com", 1, {0, {"10.2.0.8"}});
    EXPECT_TRUE(got_.wait_for(2s, [](const auto& p) { return app_a(p) == std::vector<Ipv4Address>{{10, 2, 0, 8}}; }));
}

// A peer answering only garbage (wrong IDs) keeps its last targets until dropAfter, and is
// logged once — not once per round — with what is wrong, then once when it answers again.
TEST_F(PeerPollerTest, AGarbageAnsweringPeerIsLoggedOnceAndKeptUntilDropAfter) {
    std::ostringstream log;
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
    options_.drop_after = 5000ms;
    {
        PeerPoller poller(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
        poller.set_hosts({"app.cloud.example.com"});
        ASSERT_TRUE(got_.wait_for(2s, [](const auto& p) { return !app_a(p).empty(); }));
        const size_t delivered = got_.count();
        peer_.wrong_id_only = true;
        std::this_thread::sleep_for(800ms);  // several rounds
        EXPECT_EQ(got_.count(), delivered) << "the peer's targets changed while it sent garbage";
        peer_.wrong_id_only = false;
        peer_.set("localtargets-app.cloud.example.com", 1, {0, {"10.2.0.6"}});
        EXPECT_TRUE(got_.wait_for(2s, [](const auto& p) { return app_a(p) == std::vector<Ipv4Address>{{10, 2, 0, 6}}; }));
    }
    spdlog::set_default_logger(previous);
    const std::string text = log.str();
    size_t failures = 0;
    for (size_t at = text.find("no usable answer"); at != std::string::npos; at = text.find("no usable answer", at + 1))
        ++failures;
    EXPECT_EQ(failures, 1u) << text;
    EXPECT_NE(text.find("ignored 1 datagram(s) not matching the query"), std::string::npos) << text;
    EXPECT_NE(text.find("peer us: answering again"), std::string::npos) << text;
}

TEST_F(PeerPollerTest, StopsPromptly) {
    peer_.silent = true;
    options_.timeout = 2000ms;
    auto poller = std::make_unique<PeerPoller>(options_, [&](std::vector<PeerTargets> p) { got_.push(std::move(p)); });
    poller->set_hosts({"app.cloud.example.com"});
    std::this_thread::sleep_for(100ms);  // mid-query
    const auto started = Clock::now();
    poller.reset();
    EXPECT_LT(Clock::now() - started, 200ms);
}

}  // namespace
}  // namespace xgslb
