// The xgslb XDP program as the per-query benchmarks run it: a private (unpinned) instance with
// a fixture's records published through the real controller path (load_config -> build_view
// -> build_map_contents -> Publisher(BpfMapWriter)) and an RRL config written, exactly as
// xgslbd would; and, for profiling, the same program compiled differently and loaded against
// those very maps.
#pragma once

#include <bpf/libbpf.h>

#include <memory>
#include <string>

#include "userspace/config.h"
#include "userspace/xdp_program.h"

namespace xgslb::bench {

struct BenchInstance {
    Config config;
    std::unique_ptr<XdpProgram> program;

    // `name` makes the instance unique per process; `rrl` replaces the fixture's rrl section.
    BenchInstance(const std::string& fixture, const std::string& name, const RrlConfig& rrl);
};

// The xgslb_xdp program of another build of bpf/xgslb.bpf.c (e.g. with a stage compiled out by
// a -D flag, bench/profile_xdp_stages.sh, or an older commit's build for a before/after), its
// maps replaced by `maps` so it answers from the same published data; a map whose type or sizes
// differ stays the variant's own (an older RRL bucket map, say). Owns the loaded object.
class VariantProgram {
public:
    VariantProgram(const std::string& object_path, const MapFds& maps);
    ~VariantProgram();
    VariantProgram(const VariantProgram&) = delete;
    VariantProgram& operator=(const VariantProgram&) = delete;
    int fd() const { return fd_; }
    // Whether it counts into the shared xgslb_stats (false: an older build with fewer counters).
    bool shares_stats() const { return shares_stats_; }

private:
    bpf_object* object_ = nullptr;
    int fd_ = -1;
    bool shares_stats_ = false;
};

}  // namespace xgslb::bench
