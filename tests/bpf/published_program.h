// A private (unpinned) xgslb program with a config's records published through the real path
// (build_view -> build_map_contents -> Publisher over BpfMapWriter), as xgslbd publishes them:
// what the express table's packet tests run their frames through.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "maps/bpf_map_writer.h"
#include "userspace/config.h"
#include "userspace/map_contents.h"
#include "userspace/xdp_program.h"

namespace xgslb::test {

struct PublishedProgram {
    Config config;
    std::unique_ptr<XdpProgram> program;
    std::unique_ptr<BpfMapWriter> writer;
    MapContents contents;
    uint64_t seed[2] = {0, 0};  // the program's name-hash seeds, which the contents were built with

    // `name` is made unique per process; `express_slots` sizes the express table (0: off).
    PublishedProgram(Config published, const std::string& name, uint32_t express_slots);
};

}  // namespace xgslb::test
