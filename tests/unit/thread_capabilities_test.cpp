// apply_to_every_thread reaches threads that were already running, which capset(2) and prctl(2)
// alone never do. Works as root or not: the change keeps nothing, and no_new_privs (0 before,
// 1 after, on each thread) shows the change happened on that very thread.
#include "userspace/thread_capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "userspace/error.h"

namespace xgslb {
namespace {

// This thread's Cap* and NoNewPrivs lines, as the kernel reports them.
std::map<std::string, std::string> own_status() {
    std::map<std::string, std::string> fields;
    std::ifstream in("/proc/thread-self/status");
    for (std::string line; std::getline(in, line);) {
        const size_t colon = line.find(':');
        const std::string key = line.substr(0, colon);
        if (key.rfind("Cap", 0) == 0 || key == "NoNewPrivs") fields[key] = line.substr(line.find_first_not_of(" \t", colon + 1));
    }
    return fields;
}

ThreadCapabilities drop_everything() {
    ThreadCapabilities change;
    change.keep = 0;
    std::ifstream("/proc/sys/kernel/cap_last_cap") >> change.last_cap;
    change.clear_bounding = prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 && own_status()["CapEff"] != "0000000000000000";
    return change;
}

// Threads that wait until told to read their own status, like the daemon's idle workers.
struct Workers {
    explicit Workers(int n, bool block_signal = false) {
        for (int i = 0; i < n; ++i)
            threads.emplace_back([this, block_signal] {
                if (block_signal) {
                    sigset_t all;
                    sigfillset(&all);
                    pthread_sigmask(SIG_BLOCK, &all, nullptr);
                    tid = static_cast<pid_t>(syscall(SYS_gettid));
                }
                ++started;
                while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                auto s = own_status();
                std::lock_guard lock(mutex);
                seen.push_back(s);
            });
        while (started < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::vector<std::map<std::string, std::string>> finish() {
        go = true;
        for (auto& t : threads) t.join();
        return seen;
    }
    std::atomic<int> started{0};
    std::atomic<bool> go{false};
    std::atomic<pid_t> tid{0};
    std::mutex mutex;
    std::vector<std::map<std::string, std::string>> seen;
    std::vector<std::thread> threads;
};

TEST(ThreadCapabilities, ReachesEveryRunningThread) {
    if (own_status()["NoNewPrivs"] != "0") GTEST_SKIP() << "no_new_privs already set by the test's parent";
    Workers workers(4);
    apply_to_every_thread(drop_everything());
    const auto main_thread = own_status();
    EXPECT_EQ(main_thread.at("NoNewPrivs"), "1");
    EXPECT_EQ(main_thread.at("CapEff"), "0000000000000000");
    const auto seen = workers.finish();
    ASSERT_EQ(seen.size(), 4u);
    for (const auto& s : seen) {
        EXPECT_EQ(s.at("NoNewPrivs"), "1");
        EXPECT_EQ(s.at("CapEff"), "0000000000000000");
        EXPECT_EQ(s.at("CapPrm"), "0000000000000000");
        EXPECT_EQ(s.at("CapInh"), "0000000000000000");
        EXPECT_EQ(s.at("CapAmb"), "0000000000000000");
    }
}

TEST(ThreadCapabilities, ThreadsStartedAfterwardsInheritTheChange) {
    if (own_status()["NoNewPrivs"] != "0") GTEST_SKIP() << "no_new_privs already set by the test's parent";
    apply_to_every_thread(drop_everything());
    Workers later(2);
    for (const auto& s : later.finish()) EXPECT_EQ(s.at("NoNewPrivs"), "1");
}

TEST(ThreadCapabilities, AThreadThatBlocksTheSignalIsNamedAndTheOthersStillChange) {
    if (own_status()["NoNewPrivs"] != "0") GTEST_SKIP() << "no_new_privs already set by the test's parent";
    Workers blocking(1, true);
    Workers others(2);
    try {
        apply_to_every_thread(drop_everything());
        ADD_FAILURE() << "expected an error for the thread that blocks every signal";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("thread " + std::to_string(blocking.tid.load())), std::string::npos)
            << e.what();
    }
    for (const auto& s : others.finish()) EXPECT_EQ(s.at("NoNewPrivs"), "1");
    EXPECT_EQ(blocking.finish().at(0).at("NoNewPrivs"), "0");
}

}  // namespace
}  // namespace xgslb
