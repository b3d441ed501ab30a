#include "bench/xdp_bench_instance.h"
#include "bench/hashed_express_fill.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "maps/rrl_map_writer.h"
#include "userspace/error.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/rrl_contents.h"
#include "userspace/view_assembly.h"

namespace xgslb::bench {

BenchInstance::BenchInstance(const std::string& fixture, const std::string& name, const RrlConfig& rrl)
    : config(load_config(fixture)) {
    config.rrl = rrl;
    auto view = build_view(config, {}, {}, load_geo_regions(config.geoip));
    XdpProgram::Options options;
    options.instance = name + "-" + std::to_string(getpid());
    options.pin = false;
    options.udp_payload_size = config.dns.udp_payload_size;
    program = std::make_unique<XdpProgram>(options);
    const xgslb_settings settings = program->settings();
    const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};
    BpfMapWriter writer(program->maps());
    Publisher(writer).publish(build_map_contents(*view, seed));
    write_rrl_maps(program->maps(), build_rrl_contents(config.rrl));
}

VariantProgram::VariantProgram(const std::string& object_path, const MapFds& maps) {
    const std::string kconfig = kernel_kconfig();
    LIBBPF_OPTS(bpf_object_open_opts, open_options, .kconfig = kconfig.empty() ? nullptr : kconfig.c_str());
    object_ = bpf_object__open_file(object_path.c_str(), &open_options);
    if (!object_) throw_errno("opening " + object_path, errno);
    const std::vector<std::pair<const char*, int>> by_name = {
        {XGSLB_MAP_SETTINGS, maps.settings}, {XGSLB_MAP_LISTEN, maps.listen},
        {XGSLB_MAP_NAMES, maps.names},       {XGSLB_MAP_RRSETS, maps.rrsets},
        {XGSLB_MAP_ZONES, maps.zones},       {XGSLB_MAP_STATS, maps.stats},
        {XGSLB_MAP_SCRATCH, maps.scratch},   {XGSLB_MAP_GEO, maps.geo},
        {XGSLB_MAP_ROTATION, maps.rotation}, {XGSLB_MAP_RRL_CONFIG, maps.rrl_config},
        {XGSLB_MAP_RRL, maps.rrl},           {XGSLB_MAP_RRL_ALLOW, maps.rrl_allow},
        {XGSLB_MAP_EXPRESS, maps.express}};
    try {
        bpf_map* map;
        bpf_object__for_each_map(map, object_) {
            for (const auto& [name, fd] : by_name) {
                if (std::strcmp(bpf_map__name(map), name) != 0 || fd < 0) continue;
                // A map whose layout differs between the builds (e.g. an older build measured
                // for comparison) stays the variant's own: sharing it would misread it.
                bpf_map_info info{};
                __u32 len = sizeof info;
                if (int err = bpf_obj_get_info_by_fd(fd, &info, &len)) throw_errno(std::string("reading ") + name, -err);
                if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
                    info.value_size != bpf_map__value_size(map))
                    continue;
                if (int err = bpf_map__reuse_fd(map, fd)) throw_errno(std::string("reusing ") + name, -err);
                if (std::strcmp(name, XGSLB_MAP_STATS) == 0) shares_stats_ = true;
            }
        }
        if (int err = bpf_object__load(object_)) throw_errno("loading " + object_path, -err);
        // An older build's express table (hash-keyed slots) is its own: filled the old way.
        if (bpf_map* express = bpf_object__find_map_by_name(object_, XGSLB_MAP_EXPRESS);
            express && bpf_map__value_size(express) != sizeof(xgslb_express_slot))
            fill_hashed_express(bpf_map__fd(express), maps);
        bpf_program* prog = bpf_object__find_program_by_name(object_, XGSLB_PROG_NAME);
        if (!prog) throw Error(object_path + " has no program " XGSLB_PROG_NAME);
        fd_ = bpf_program__fd(prog);
    } catch (...) {
        bpf_object__close(object_);
        throw;
    }
}

VariantProgram::~VariantProgram() { bpf_object__close(object_); }

}  // namespace xgslb::bench
