// The express table's map (xgslb_express) mapped into this process: the slots the writer
// (userspace/express_table.h) stores into and the XDP program reads, with no syscall per write.
#pragma once

#include <cstddef>
#include <span>

#include "maps/xgslb_abi.h"

namespace xgslb {

class ExpressMapping {
public:
    // Maps the whole array; a map fd < 0, or a map without BPF_F_MMAPABLE, maps nothing.
    explicit ExpressMapping(int map_fd);
    ~ExpressMapping();
    ExpressMapping(const ExpressMapping&) = delete;
    ExpressMapping& operator=(const ExpressMapping&) = delete;

    std::span<xgslb_express_slot> slots() const { return {base_, count_}; }

private:
    xgslb_express_slot* base_ = nullptr;
    size_t count_ = 0;
    size_t bytes_ = 0;
};

}  // namespace xgslb
