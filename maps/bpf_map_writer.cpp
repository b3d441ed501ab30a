#include "maps/bpf_map_writer.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "userspace/error.h"

namespace xgslb {
namespace {

void put(int fd, const char* map, const void* key, const void* value) {
    // BPF_ANY on a BPF_F_NO_PREALLOC hash replaces the element atomically (see bpf/bpf_maps.h).
    if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0) {
        const int err = errno;
        throw_errno(std::string("writing ") + map + (err == E2BIG ? " (map full: raise its size)" : ""), err);
    }
}

void erase(int fd, const char* map, const void* key) {
    if (bpf_map_delete_elem(fd, key) != 0 && errno != ENOENT) throw_errno(std::string("erasing from ") + map, errno);
}

}  // namespace

void BpfMapWriter::put_zone(uint32_t id, const xgslb_zone& value) { put(fds_.zones, XGSLB_MAP_ZONES, &id, &value); }
void BpfMapWriter::erase_zone(uint32_t id) { erase(fds_.zones, XGSLB_MAP_ZONES, &id); }
void BpfMapWriter::put_rrset(const xgslb_rrset_key& key, const xgslb_rrset& value) {
    put(fds_.rrsets, XGSLB_MAP_RRSETS, &key, &value);
}
void BpfMapWriter::erase_rrset(const xgslb_rrset_key& key) { erase(fds_.rrsets, XGSLB_MAP_RRSETS, &key); }
void BpfMapWriter::put_name(const xgslb_name_key& key, const xgslb_name& value) {
    put(fds_.names, XGSLB_MAP_NAMES, &key, &value);
}
void BpfMapWriter::erase_name(const xgslb_name_key& key) { erase(fds_.names, XGSLB_MAP_NAMES, &key); }
void BpfMapWriter::put_listen(const xgslb_listen_key& key, const xgslb_listen_value& value) {
    put(fds_.listen, XGSLB_MAP_LISTEN, &key, &value);
}
void BpfMapWriter::erase_listen(const xgslb_listen_key& key) { erase(fds_.listen, XGSLB_MAP_LISTEN, &key); }

MapContents read_map_contents(const MapFds& fds) {
    MapContents out;
    for (const auto& [k, v] : dump_map<uint32_t, xgslb_zone>(fds.zones)) out.zones[k] = v;
    for (const auto& [k, v] : dump_map<xgslb_rrset_key, xgslb_rrset>(fds.rrsets)) out.rrsets[k] = v;
    for (const auto& [k, v] : dump_map<xgslb_name_key, xgslb_name>(fds.names)) out.names[k] = v;
    for (const auto& [k, v] : dump_map<xgslb_listen_key, xgslb_listen_value>(fds.listen)) out.listen[k] = v;
    return out;
}

}  // namespace xgslb
