#include "maps/pinned_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "userspace/error.h"

namespace xgslb {

PinnedMaps::PinnedMaps(const std::string& instance, const std::string& root) : dir_(root + "/" + instance) {
    const std::pair<const char*, int*> maps[] = {
        {XGSLB_MAP_SETTINGS, &fds_.settings}, {XGSLB_MAP_LISTEN, &fds_.listen}, {XGSLB_MAP_NAMES, &fds_.names},
        {XGSLB_MAP_RRSETS, &fds_.rrsets},     {XGSLB_MAP_ZONES, &fds_.zones},   {XGSLB_MAP_STATS, &fds_.stats},
        {XGSLB_MAP_SCRATCH, &fds_.scratch},
        {XGSLB_MAP_GEO, &fds_.geo},
        {XGSLB_MAP_ROTATION, &fds_.rotation},
        {XGSLB_MAP_RRL_CONFIG, &fds_.rrl_config},
        {XGSLB_MAP_RRL, &fds_.rrl},
        {XGSLB_MAP_RRL_ALLOW, &fds_.rrl_allow}};
    for (auto [name, fd] : maps) {
        const std::string path = dir_ + "/" + name;
        *fd = bpf_obj_get(path.c_str());
        if (*fd < 0) {
            const int err = errno;
            close_all();
            throw_errno("opening " + path + " (is xgslbd running for instance '" + instance + "'?)", err);
        }
    }
}

PinnedMaps::~PinnedMaps() { close_all(); }

void PinnedMaps::close_all() {
    for (int* fd : {&fds_.settings, &fds_.listen, &fds_.names, &fds_.rrsets, &fds_.zones, &fds_.stats, &fds_.scratch,
                    &fds_.geo, &fds_.rotation, &fds_.rrl_config, &fds_.rrl, &fds_.rrl_allow})
        if (*fd >= 0) close(*fd), *fd = -1;
}

std::vector<std::string> PinnedMaps::instances(const std::string& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec))
        if (entry.is_directory()) out.push_back(entry.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

xgslb_stats read_stats(int stats_map_fd) {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw_errno("counting CPUs", cpus);
    std::vector<xgslb_stats> per_cpu(static_cast<size_t>(cpus));
    uint32_t zero = 0;
    if (bpf_map_lookup_elem(stats_map_fd, &zero, per_cpu.data()) != 0) throw_errno("reading " XGSLB_MAP_STATS, errno);
    xgslb_stats total{};
    auto* sum = reinterpret_cast<uint64_t*>(&total);
    for (const auto& cpu : per_cpu) {
        const auto* values = reinterpret_cast<const uint64_t*>(&cpu);
        for (size_t i = 0; i < XGSLB_COUNTER_COUNT; ++i) sum[i] += values[i];
    }
    return total;
}

const std::vector<std::string>& counter_names() {
    static const std::vector<std::string> names = {
#define XGSLB_COUNTER_NAME(name) #name,
        XGSLB_COUNTERS(XGSLB_COUNTER_NAME)
#undef XGSLB_COUNTER_NAME
    };
    return names;
}

template <typename Key, typename Value>
std::vector<std::pair<Key, Value>> dump_map(int map_fd) {
    std::vector<std::pair<Key, Value>> out;
    Key key{}, next{};
    Key* previous = nullptr;
    while (bpf_map_get_next_key(map_fd, previous, &next) == 0) {
        Value value{};
        // An entry erased between get_next_key and lookup is simply skipped.
        if (bpf_map_lookup_elem(map_fd, &next, &value) == 0) out.emplace_back(next, value);
        key = next;
        previous = &key;
    }
    return out;
}

template std::vector<std::pair<xgslb_name_key, xgslb_name>> dump_map(int);
template std::vector<std::pair<xgslb_rrset_key, xgslb_rrset>> dump_map(int);
template std::vector<std::pair<uint32_t, xgslb_zone>> dump_map(int);
template std::vector<std::pair<xgslb_geo_key, xgslb_geo_region>> dump_map(int);

xgslb_listen_set read_listen_set(int listen_map_fd) {
    xgslb_listen_set set{};
    const uint32_t zero = 0;
    uint32_t inner_id = 0;
    if (bpf_map_lookup_elem(listen_map_fd, &zero, &inner_id) != 0) {
        if (errno == ENOENT) return set;
        throw_errno("reading " XGSLB_MAP_LISTEN, errno);
    }
    const int inner = bpf_map_get_fd_by_id(inner_id);
    if (inner < 0) throw_errno("opening " XGSLB_MAP_LISTEN_SET, errno);
    const int err = bpf_map_lookup_elem(inner, &zero, &set) != 0 ? errno : 0;
    close(inner);
    if (err) throw_errno("reading " XGSLB_MAP_LISTEN_SET, err);
    return set;
}

}  // namespace xgslb
