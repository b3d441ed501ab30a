#include "userspace/thread_capabilities.h"

#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "userspace/error.h"

namespace xgslb {
namespace {

pid_t this_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// One request at a time; the handler acts only on the thread it names, so a late delivery to a
// thread that had timed out cannot answer for another.
struct Request {
    ThreadCapabilities change;
    std::atomic<pid_t> target{0};
    std::atomic<int> result{0};
    std::atomic<bool> done{false};
};
Request request;
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "the handler needs lock-free atomics");

void on_request(int) {
    const int saved = errno;
    if (this_tid() == request.target.load(std::memory_order_acquire)) {
        request.result.store(apply_to_calling_thread(request.change), std::memory_order_relaxed);
        request.done.store(true, std::memory_order_release);
    }
    errno = saved;
}

// A real-time signal nothing else in the daemon uses (glibc keeps the first two for itself).
int request_signal() { return SIGRTMIN + 7; }

void install_handler() {
    struct sigaction current {};
    sigaction(request_signal(), nullptr, &current);
    if (current.sa_handler == on_request) return;
    if (current.sa_handler != SIG_DFL) throw Error("capability drop: signal SIGRTMIN+7 is already in use");
    struct sigaction action {};
    action.sa_handler = on_request;
    action.sa_flags = SA_RESTART;  // interrupted reads and waits resume; poll and io_uring see EINTR
    sigemptyset(&action.sa_mask);
    // Left installed: a thread that had the signal blocked still takes it (and drops) later.
    if (sigaction(request_signal(), &action, nullptr) != 0) throw_errno("sigaction", errno);
}

std::vector<pid_t> process_threads() {
    std::vector<pid_t> tids;
    DIR* dir = opendir("/proc/self/task");
    if (!dir) throw_errno("listing /proc/self/task", errno);
    while (const dirent* e = readdir(dir))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.push_back(static_cast<pid_t>(std::stoi(e->d_name)));
    closedir(dir);
    return tids;
}

bool thread_exists(pid_t tid) { return access(("/proc/self/task/" + std::to_string(tid)).c_str(), F_OK) == 0; }

// Empty when the thread changed itself (or is gone), else what went wrong.
std::string change_thread(pid_t tid) {
    request.done.store(false, std::memory_order_relaxed);
    request.result.store(0, std::memory_order_relaxed);
    request.target.store(tid, std::memory_order_release);
    if (syscall(SYS_tgkill, getpid(), tid, request_signal()) != 0)
        return errno == ESRCH ? "" : "tgkill: " + std::string(std::strerror(errno));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!request.done.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() > deadline)
            return thread_exists(tid) ? "did not take the signal within 1 s (blocked?)" : "";
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    const int err = request.result.load(std::memory_order_relaxed);
    return err ? std::strerror(err) : "";
}

}  // namespace

int apply_to_calling_thread(const ThreadCapabilities& change) {
    // The bounding set first: dropping from it takes CAP_SETPCAP, which the capset below removes.
    if (change.clear_bounding)
        for (unsigned cap = 0; cap <= change.last_cap; ++cap)
            if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return errno;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (unsigned word = 0; word < _LINUX_CAPABILITY_U32S_3; ++word) {
        data[word].effective = data[word].permitted = static_cast<uint32_t>(change.keep >> (32 * word));
        data[word].inheritable = 0;
    }
    if (syscall(SYS_capset, &header, data) != 0) return errno;
    return 0;
}

void apply_to_every_thread(const ThreadCapabilities& change) {
    if (int err = apply_to_calling_thread(change)) throw_errno("changing the capabilities of the main thread", err);
    request.change = change;
    install_handler();
    std::set<pid_t> visited = {this_tid()};
    std::string failures;
    for (bool found = true; found;) {
        found = false;
        for (pid_t tid : process_threads()) {
            if (!visited.insert(tid).second) continue;
            found = true;
            if (std::string why = change_thread(tid); !why.empty())
                failures += (failures.empty() ? "" : "; ") + ("thread " + std::to_string(tid) + ": " + why);
        }
    }
    if (!failures.empty()) throw Error("changing the capabilities of every thread failed: " + failures);
}

}  // namespace xgslb
