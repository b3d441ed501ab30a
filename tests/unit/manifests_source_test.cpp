#include "userspace/cluster/manifests_source.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <thread>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "tests/unit/cluster_test_util.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string service(const std::string& name, int port) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: ns}\nspec: {ports: [{port: " +
           std::to_string(port) + "}]}\n";
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::trunc) << text;
}

// A temporary manifests directory and a source over it that records every delivered state.
class ManifestsSourceTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xgslb-manifests-test.XXXXXX";
        ASSERT_TRUE(mkdtemp(tmpl));
        dir_ = tmpl;
    }
    void TearDown() override {
        if (source_) source_->stop();
        fs::remove_all(dir_);
    }
    void start() {
        source_ = std::make_unique<ManifestsSource>(ManifestsSource::Options{dir_.string(), 5ms});
        source_->start([this](std::shared_ptr<const ClusterState> s) {
            std::lock_guard lock(m_);
            states_.push_back(std::move(s));
            cv_.notify_all();
        });
        next();
    }
    // The next delivered state (fails the test after 2 s).
    std::shared_ptr<const ClusterState> next() {
        std::unique_lock lock(m_);
        if (!cv_.wait_for(lock, 2s, [&] { return seen_ < states_.size(); })) {
            ADD_FAILURE() << "no state delivered within 2 s";
            return std::make_shared<ClusterState>();
        }
        return states_[seen_++];
    }
    // No further state within `wait`.
    void expect_quiet(std::chrono::milliseconds wait) {
        std::unique_lock lock(m_);
        EXPECT_FALSE(cv_.wait_for(lock, wait, [&] { return seen_ < states_.size(); })) << "unexpected delivery";
    }
    std::shared_ptr<const ClusterState> last() {
        std::lock_guard lock(m_);
        return states_.at(seen_ - 1);
    }
    static std::optional<int> port_of(const ClusterState& s, const std::string& name) {
        const nlohmann::json* svc = s.find(kKindService, "ns", name);
        if (!svc) return std::nullopt;
        return (*svc)["spec"]["ports"][0]["port"].get<int>();
    }

    fs::path dir_;
    std::unique_ptr<ManifestsSource> source_;
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<std::shared_ptr<const ClusterState>> states_;
    size_t seen_ = 0;
};

TEST_F(ManifestsSourceTest, InitialScanReadsManifestFilesOnly) {
    write_file(dir_ / "a.yaml", service("a", 1));
    write_file(dir_ / "b.json", R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b", "namespace": "ns"}, "spec": {"ports": [{"port": 2}]}})");
    write_file(dir_ / "c.txt", service("c", 3));
    write_file(dir_ / ".hidden.yaml", service("d", 4));
    start();
    const auto s = last();
    EXPECT_EQ(port_of(*s, "a"), 1);
    EXPECT_EQ(port_of(*s, "b"), 2);
    EXPECT_EQ(port_of(*s, "c"), std::nullopt);
    EXPECT_EQ(port_of(*s, "d"), std::nullopt);
    EXPECT_TRUE(source_->health().synced);
    EXPECT_TRUE(source_->is_leader());
}

// The directory is read from construction on (overlapping the daemon's other start-up work);
// nothing is delivered before start(), a change made in between is not lost, and a source
// stopped without being started does not wait for a start.
TEST_F(ManifestsSourceTest, ReadFromConstructionDeliveredFromStart) {
    write_file(dir_ / "a.yaml", service("a", 1));
    {
        ManifestsSource never_started(ManifestsSource::Options{dir_.string(), 5ms});
        std::this_thread::sleep_for(20ms);
    }  // joins its thread, or this test hangs
    source_ = std::make_unique<ManifestsSource>(ManifestsSource::Options{dir_.string(), 5ms});
    write_file(dir_ / "a.yaml", service("a", 80));  // before or after the first read: either way seen
    std::this_thread::sleep_for(50ms);
    source_->start([this](std::shared_ptr<const ClusterState> s) {
        std::lock_guard lock(m_);
        states_.push_back(std::move(s));
        cv_.notify_all();
    });
    std::shared_ptr<const ClusterState> s = next();
    if (port_of(*s, "a") == 1) s = next();  // the read came first; the edit follows
    EXPECT_EQ(port_of(*s, "a"), 80);
    expect_quiet(100ms);
}

TEST_F(ManifestsSourceTest, EditDeleteAndRename) {
    write_file(dir_ / "a.yaml", service("a", 1));
    start();

    write_file(dir_ / "a.yaml", service("a", 80));  // edit in place (IN_CLOSE_WRITE)
    EXPECT_EQ(port_of(*next(), "a"), 80);

    write_file(dir_ / ".new.tmp", service("b", 2));  // an editor's temporary file, renamed in
    fs::rename(dir_ / ".new.tmp", dir_ / "b.yaml");
    EXPECT_EQ(port_of(*next(), "b"), 2);

    fs::rename(dir_ / "b.yaml", dir_ / "b.yaml.bak");  // renamed out of the set
    EXPECT_EQ(port_of(*next(), "b"), std::nullopt);

    fs::remove(dir_ / "a.yaml");
    const auto s = next();
    EXPECT_EQ(port_of(*s, "a"), std::nullopt);
    EXPECT_TRUE(s->objects.empty() || s->objects.at(kKindService).empty());
}

TEST_F(ManifestsSourceTest, ABurstOfWritesIsOneDelivery) {
    write_file(dir_ / "a.yaml", service("a", 1));
    start();
    for (int i = 0; i < 5; ++i) write_file(dir_ / ("s" + std::to_string(i) + ".yaml"), service("s" + std::to_string(i), i));
    auto s = next();
    // Writes 1-2 ms apart may still split into two deliveries on a busy machine; the last has all.
    while (!port_of(*s, "s4")) s = next();
    EXPECT_EQ(port_of(*s, "s0"), 0);
    expect_quiet(50ms);
}

TEST_F(ManifestsSourceTest, BadFileKeepsItsLastGoodVersionUntilFixed) {
    write_file(dir_ / "a.yaml", service("a", 1));
    write_file(dir_ / "b.yaml", service("b", 2));
    start();
    write_file(dir_ / "a.yaml", "kind: Service\nmetadata: {name: a, namespace: ns}\nspec: {ports: [\n");
    expect_quiet(100ms);  // nothing changed for the cluster
    EXPECT_NE(source_->health().last_error.find("a.yaml:4: YAML syntax"), std::string::npos) << source_->health().last_error;

    write_file(dir_ / "b.yaml", service("b", 20));  // other files still apply, a.yaml's last good kept
    auto s = next();
    EXPECT_EQ(port_of(*s, "a"), 1);
    EXPECT_EQ(port_of(*s, "b"), 20);

    write_file(dir_ / "a.yaml", service("a", 10));
    s = next();
    EXPECT_EQ(port_of(*s, "a"), 10);
    EXPECT_EQ(source_->health().last_error, "");
}

TEST_F(ManifestsSourceTest, StatusIsWrittenAtomicallyAndCreatedGslbIsWatched) {
    start();
    source_->write_gslb_status("test-gslb", "test-gslb", {{"geoTag", "eu"}});
    std::ifstream in(source_->status_path("test-gslb", "test-gslb"));
    EXPECT_EQ(nlohmann::json::parse(in), (nlohmann::json{{"geoTag", "eu"}}));
    expect_quiet(50ms);  // .status is not a manifest

    const nlohmann::json gslb = {{"apiVersion", "k8gb.absa.oss/v1beta1"},
                                 {"kind", "Gslb"},
                                 {"metadata", {{"name", "shop"}, {"namespace", "apps"}}},
                                 {"spec", {{"strategy", {{"type", "roundRobin"}}}}}};
    source_->create_gslb(gslb);
    const auto s = next();
    ASSERT_TRUE(s->find(kKindGslb, "apps", "shop"));
    EXPECT_EQ(*s->find(kKindGslb, "apps", "shop"), gslb);
    EXPECT_THROW(source_->create_gslb(gslb), Error);  // already exists, as the API would say
}

TEST(ManifestsSource, MissingDirectoryFailsAtConstruction) {
    EXPECT_THROW(ManifestsSource({"/nonexistent/xgslb-manifests"}), Error);
}

}  // namespace
}  // namespace xgslb
