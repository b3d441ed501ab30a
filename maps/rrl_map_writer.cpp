#include "maps/rrl_map_writer.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "userspace/error.h"

namespace xgslb {
namespace {

bool same_key(const xgslb_rrl_allow_key& a, const xgslb_rrl_allow_key& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::vector<xgslb_rrl_allow_key> allow_keys(int fd) {
    std::vector<xgslb_rrl_allow_key> out;
    xgslb_rrl_allow_key next{}, previous{};
    bool first = true;
    while (bpf_map_get_next_key(fd, first ? nullptr : &previous, &next) == 0) {
        out.push_back(next);
        previous = next;
        first = false;
    }
    return out;
}

}  // namespace

void write_rrl_maps(const MapFds& fds, const RrlMapContents& next) {
    const std::vector<xgslb_rrl_allow_key> current = allow_keys(fds.rrl_allow);
    const uint32_t one = 1;
    for (const auto& k : next.allow)
        if (bpf_map_update_elem(fds.rrl_allow, &k, &one, BPF_ANY) != 0) throw_errno("writing " XGSLB_MAP_RRL_ALLOW, errno);
    const uint32_t zero = 0;
    if (bpf_map_update_elem(fds.rrl_config, &zero, &next.config, BPF_ANY) != 0)
        throw_errno("writing " XGSLB_MAP_RRL_CONFIG, errno);
    for (const auto& k : current) {
        const bool kept = std::any_of(next.allow.begin(), next.allow.end(), [&](auto& n) { return same_key(n, k); });
        if (!kept && bpf_map_delete_elem(fds.rrl_allow, &k) != 0 && errno != ENOENT)
            throw_errno("erasing from " XGSLB_MAP_RRL_ALLOW, errno);
    }
}

RrlMapContents read_rrl_maps(const MapFds& fds) {
    RrlMapContents out;
    const uint32_t zero = 0;
    if (bpf_map_lookup_elem(fds.rrl_config, &zero, &out.config) != 0) throw_errno("reading " XGSLB_MAP_RRL_CONFIG, errno);
    out.allow = allow_keys(fds.rrl_allow);
    return out;
}

}  // namespace xgslb
