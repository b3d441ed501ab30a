// xgslbctl detach: takes an instance's program off the interfaces of this network namespace and
// removes its pins: for a node where xgslbd was stopped with xdp.keepAttached (or crashed) and
// should not come back. The program is recognised as the instance's by the maps it uses (the
// pinned stats map's id), not by name, so another instance's program is left alone.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "maps/pinned_maps.h"
#include "tools/ctl_commands.h"
#include "userspace/control_socket.h"
#include "userspace/error.h"

namespace xgslb::ctl {
namespace {

uint32_t map_id(int fd) {
    bpf_map_info info{};
    uint32_t len = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

bool program_uses_map(uint32_t prog_id, uint32_t wanted_map) {
    const int fd = bpf_prog_get_fd_by_id(prog_id);
    if (fd < 0) return false;
    uint32_t ids[64] = {};
    bpf_prog_info info{};
    info.nr_map_ids = 64;
    info.map_ids = reinterpret_cast<uint64_t>(ids);
    uint32_t len = sizeof info;
    const bool ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
    close(fd);
    if (!ok) return false;
    for (uint32_t i = 0; i < info.nr_map_ids && i < 64; ++i)
        if (ids[i] == wanted_map) return true;
    return false;
}

}  // namespace

int detach(const std::string& instance, bool as_json) {
    try {
        control_request(control_socket_path(instance), "status");
        throw Error("xgslbd is running for instance '" + instance + "'; stop it (SIGTERM detaches unless keepAttached)");
    } catch (const Error& e) {
        if (std::string(e.what()).find("cannot reach") == std::string::npos) throw;
    }
    std::vector<std::string> detached;
    std::string pin_dir;
    {
        PinnedMaps maps(instance);
        pin_dir = maps.dir();
        const uint32_t stats_id = map_id(maps.fds().stats);
        struct if_nameindex* list = ::if_nameindex();
        for (struct if_nameindex* i = list; i && i->if_index; ++i) {
            LIBBPF_OPTS(bpf_xdp_query_opts, q);
            if (bpf_xdp_query(static_cast<int>(i->if_index), 0, &q) != 0) continue;
            const struct { uint32_t id; uint32_t flag; } modes[] = {{q.drv_prog_id, XDP_FLAGS_DRV_MODE},
                                                                     {q.skb_prog_id, XDP_FLAGS_SKB_MODE}};
            for (const auto& m : modes) {
                if (!m.id || !program_uses_map(m.id, stats_id)) continue;
                const int err = bpf_xdp_detach(static_cast<int>(i->if_index), m.flag, nullptr);
                if (err) {
                    if_freenameindex(list);
                    throw_errno(std::string("detaching from ") + i->if_name, -err);
                }
                detached.emplace_back(i->if_name);
            }
        }
        if_freenameindex(list);
    }
    std::error_code ignored;
    std::filesystem::remove_all(pin_dir, ignored);
    if (as_json) {
        std::cout << nlohmann::json{{"instance", instance}, {"detached", detached}, {"removed", pin_dir}}.dump(2) << "\n";
        return 0;
    }
    for (const auto& i : detached) std::printf("detached from %s\n", i.c_str());
    if (detached.empty()) std::printf("attached to no interface of this network namespace\n");
    std::printf("removed %s\n", pin_dir.c_str());
    return 0;
}

}  // namespace xgslb::ctl
