#include "maps/express_map.h"

#include <bpf/bpf.h>
#include <sys/mman.h>

#include <cerrno>

#include "userspace/error.h"

namespace xgslb {

ExpressMapping::ExpressMapping(int map_fd) {
    if (map_fd < 0) return;
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) throw_errno("reading " XGSLB_MAP_EXPRESS, errno);
    if (!(info.map_flags & BPF_F_MMAPABLE) || info.value_size != sizeof(xgslb_express_slot)) return;
    // A slot is 256 octets, so the array is its entries back to back with no padding.
    bytes_ = static_cast<size_t>(info.max_entries) * sizeof(xgslb_express_slot);
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
    if (p == MAP_FAILED) throw_errno("mapping " XGSLB_MAP_EXPRESS, errno);
    base_ = static_cast<xgslb_express_slot*>(p);
    count_ = info.max_entries;
}

ExpressMapping::~ExpressMapping() {
    if (base_) munmap(base_, bytes_);
}

}  // namespace xgslb
