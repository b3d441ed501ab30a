#include "bench/hashed_express_fill.h"

#include <bpf/bpf.h>

#include <cstring>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "userspace/error.h"

namespace xgslb::bench {

namespace {

// The slot as it was (maps/xgslb_abi.h before the name-keyed table).
struct HashedSlot {
    __u32 sequence;
    __u16 qtype;
    __u8 selection;
    __u8 count;
    __u64 hash;
    __u64 check;
    __u32 ttl;
    __u16 wire_csum;
    __u8 wire_len;
    __u8 record_len;
    __u8 wire[2 * XGSLB_EXPRESS_WIRE_MAX];
};
static_assert(sizeof(HashedSlot) == 256);

uint32_t hashed_index(uint64_t name_hash, uint16_t qtype, uint32_t mask) {
    return (static_cast<uint32_t>(name_hash) ^ (static_cast<uint32_t>(qtype) * 0x9e3779b9u)) & mask;
}

}  // namespace

size_t fill_hashed_express(int map_fd, const MapFds& maps) {
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (int err = bpf_obj_get_info_by_fd(map_fd, &info, &len)) throw_errno("reading the older express map", -err);
    if (info.value_size != sizeof(HashedSlot) || info.max_entries < 2) return 0;
    const uint32_t mask = info.max_entries - 1;
    std::vector<HashedSlot> slots(info.max_entries);
    const MapContents contents = read_map_contents(maps);
    size_t filled = 0;
    for (size_t j = 0; j < contents.rrsets.size(); ++j) {
        const xgslb_rrset_key key = contents.rrsets.key(j);
        const xgslb_rrset v = contents.rrsets.value(j);
        const bool a = key.qtype == XGSLB_DNS_TYPE_A;
        if (!a && key.qtype != XGSLB_DNS_TYPE_AAAA) continue;
        if (v.selection != XGSLB_SELECT_FIXED && v.selection != XGSLB_SELECT_ROTATE) continue;
        if (v.count == 0 || v.count > (a ? XGSLB_EXPRESS_MAX_A : XGSLB_EXPRESS_MAX_AAAA)) continue;
        HashedSlot s{};
        s.qtype = key.qtype;
        s.selection = v.selection;
        s.count = static_cast<__u8>(v.count);
        s.hash = key.name_hash;
        s.check = v.check;
        s.ttl = v.ttl;
        s.wire_csum = v.wire_csum;
        s.wire_len = static_cast<__u8>(v.wire_len);
        s.record_len = static_cast<__u8>(v.record_len);
        std::memcpy(s.wire, v.wire, 2u * v.wire_len);
        const uint32_t home = hashed_index(key.name_hash, key.qtype, mask);
        for (uint32_t probe = 0; probe < 2; ++probe) {
            HashedSlot& at = slots[(home + probe) & mask];
            if (at.qtype != 0) continue;
            at = s;
            ++filled;
            break;
        }
    }
    for (uint32_t i = 0; i < slots.size(); ++i)
        if (slots[i].qtype != 0 && bpf_map_update_elem(map_fd, &i, &slots[i], BPF_ANY) != 0)
            throw_errno("writing the older express map", errno);
    return filled;
}

}  // namespace xgslb::bench
