#include "userspace/capabilities.h"

#include <dirent.h>
#include <linux/capability.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "userspace/error.h"
#include "userspace/thread_capabilities.h"

namespace xgslb {
namespace {

const std::map<int, const char*>& known_names() {
    static const std::map<int, const char*> names = {
        {CAP_CHOWN, "CAP_CHOWN"},       {CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
        {CAP_SETPCAP, "CAP_SETPCAP"},   {CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE"},
        {CAP_NET_ADMIN, "CAP_NET_ADMIN"}, {CAP_NET_RAW, "CAP_NET_RAW"},
        {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}, {CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE"},
        {CAP_PERFMON, "CAP_PERFMON"},   {CAP_BPF, "CAP_BPF"},
    };
    return names;
}

unsigned last_cap() {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    unsigned n = 0;
    if (!(in >> n)) return CAP_LAST_CAP;
    return n;
}

uint64_t permitted_now() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) throw_errno("capget", errno);
    return data[0].permitted | (static_cast<uint64_t>(data[1].permitted) << 32);
}

// What /proc says of one thread: "CapEff" -> value, ..., "NoNewPrivs" -> 0/1.
std::map<std::string, uint64_t> thread_status(const std::string& path) {
    std::map<std::string, uint64_t> fields;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(0, colon);
        if (key.rfind("Cap", 0) != 0 && key != "NoNewPrivs") continue;
        fields[key] = std::stoull(line.substr(colon + 1), nullptr, key == "NoNewPrivs" ? 10 : 16);
    }
    return fields;
}

// The kernel's word, not ours: every thread, read back from /proc, holds exactly the sets asked.
void verify_every_thread(uint64_t keep, bool bounding_cleared) {
    DIR* dir = opendir("/proc/self/task");
    if (!dir) throw_errno("listing /proc/self/task", errno);
    std::string wrong;
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        auto f = thread_status(std::string("/proc/self/task/") + e->d_name + "/status");
        if (f.empty()) continue;  // the thread ended meanwhile
        if (f["CapEff"] != keep || f["CapPrm"] != keep || f["CapInh"] != 0 || f["CapAmb"] != 0 ||
            f["NoNewPrivs"] != 1 || (bounding_cleared && f["CapBnd"] != 0))
            wrong += std::string(wrong.empty() ? "" : ", ") + e->d_name;
    }
    closedir(dir);
    if (!wrong.empty()) throw Error("after the capability drop, threads still hold other sets: " + wrong);
}

}  // namespace

const CapabilityPolicy& capability_policy() {
    static const CapabilityPolicy policy = {
        {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_BIND_SERVICE, CAP_SETPCAP},
        {CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON},
    };
    return policy;
}

uint64_t capability_mask(const std::vector<int>& caps) {
    uint64_t mask = 0;
    for (int c : caps) mask |= uint64_t{1} << c;
    return mask;
}

std::string capability_names(uint64_t set) {
    std::string out;
    for (int cap = 0; cap < 64; ++cap) {
        if (!(set >> cap & 1)) continue;
        const auto it = known_names().find(cap);
        out += (out.empty() ? "" : " ") + (it != known_names().end() ? std::string(it->second) : "cap_" + std::to_string(cap));
    }
    return out.empty() ? "none" : out;
}

void drop_to_runtime_capabilities() {
    ThreadCapabilities change;
    const uint64_t held = permitted_now();
    // Only what the process holds now: asking for more would make capset fail.
    change.keep = capability_mask(capability_policy().runtime) & held;
    change.last_cap = last_cap();
    change.clear_bounding = (held >> CAP_SETPCAP & 1) != 0;
    if (!change.clear_bounding)
        spdlog::info("no CAP_SETPCAP: the bounding set stays as given (no_new_privs still holds it)");
    apply_to_every_thread(change);
    verify_every_thread(change.keep, change.clear_bounding);
}

std::string effective_capabilities_hex() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("CapEff:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 7));
    return "unknown";
}

}  // namespace xgslb
