#include "userspace/capabilities.h"

#include <cap-ng.h>
#include <linux/capability.h>

#include <fstream>
#include <iterator>

#include "userspace/error.h"

namespace xgslb {

void drop_to_runtime_capabilities() {
    constexpr int kKept[] = {CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON};
    capng_get_caps_process();
    bool held[std::size(kKept)] = {};
    for (size_t i = 0; i < std::size(kKept); ++i) held[i] = capng_have_capability(CAPNG_EFFECTIVE, kKept[i]);
    capng_clear(CAPNG_SELECT_BOTH);
    const auto sets = static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET);
    // Only what the process holds now: asking for more would make capng_apply fail.
    for (size_t i = 0; i < std::size(kKept); ++i)
        if (held[i] && capng_update(CAPNG_ADD, sets, kKept[i]) != 0) throw Error("capng_update failed");
    // The bounding set is changed first, while CAP_SETPCAP is still held (capng_apply's order).
    if (int rc = capng_apply(CAPNG_SELECT_BOTH); rc != 0)
        throw Error("dropping capabilities failed (capng_apply: " + std::to_string(rc) + ")");
}

std::string effective_capabilities_hex() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("CapEff:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 7));
    return "unknown";
}

}  // namespace xgslb
