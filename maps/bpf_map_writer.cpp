#include "maps/bpf_map_writer.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>

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

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// The kernel applies a batch in order, each element exactly as one BPF_ANY update would (on a
// BPF_F_NO_PREALLOC hash: a new element swapped in, so readers see the old value or the new),
// and reports how many it applied when it stops at a failure.
template <typename Key, typename Value>
void put_batch(int fd, const char* map, std::span<const Key> keys, std::span<const Value> values) {
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    size_t done = 0;
    while (done < keys.size()) {
        auto count = static_cast<__u32>(keys.size() - done);
        if (bpf_map_update_batch(fd, keys.data() + done, values.data() + done, &count, &opts) == 0) {
            done += count;
            continue;
        }
        const int err = errno;
        done += std::min<size_t>(count, keys.size() - done);
        throw MapBatchError(errno_text(std::string("writing ") + map + (err == E2BIG ? " (map full: raise its size)" : ""), err),
                            done);
    }
}

// A key already gone stops a delete batch with ENOENT: skip it, as erase() ignores it.
template <typename Key>
void erase_batch(int fd, const char* map, std::span<const Key> keys) {
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    size_t done = 0;
    while (done < keys.size()) {
        auto count = static_cast<__u32>(keys.size() - done);
        if (bpf_map_delete_batch(fd, keys.data() + done, &count, &opts) == 0) {
            done += count;
            continue;
        }
        const int err = errno;
        done += std::min<size_t>(count, keys.size() - done);
        if (err == ENOENT && done < keys.size()) {
            ++done;
            continue;
        }
        throw MapBatchError(errno_text(std::string("erasing from ") + map, err), done);
    }
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
void BpfMapWriter::put_listen(const xgslb_listen_set& set) {
    // A fresh inner map per change, swapped in by one update of the outer entry (which returns
    // after an RCU grace period): the program reads the old set or the new one, never a mix.
    const int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, XGSLB_MAP_LISTEN_SET, sizeof(uint32_t), sizeof(set), 1, nullptr);
    if (inner < 0) throw_errno("creating " XGSLB_MAP_LISTEN_SET, errno);
    const uint32_t zero = 0;
    int err = 0;
    if (bpf_map_update_elem(inner, &zero, &set, BPF_ANY) != 0) err = errno;
    if (!err && bpf_map_update_elem(fds_.listen, &zero, &inner, BPF_ANY) != 0) err = errno;
    close(inner);  // the outer map holds its own reference
    if (err) throw_errno("writing " XGSLB_MAP_LISTEN, err);
}

void BpfMapWriter::put_zones(std::span<const uint32_t> ids, std::span<const xgslb_zone> values) {
    put_batch(fds_.zones, XGSLB_MAP_ZONES, ids, values);
}
void BpfMapWriter::put_rrsets(std::span<const xgslb_rrset_key> keys, std::span<const xgslb_rrset> values) {
    put_batch(fds_.rrsets, XGSLB_MAP_RRSETS, keys, values);
}
void BpfMapWriter::put_names(std::span<const xgslb_name_key> keys, std::span<const xgslb_name> values) {
    put_batch(fds_.names, XGSLB_MAP_NAMES, keys, values);
}
void BpfMapWriter::erase_zones(std::span<const uint32_t> ids) { erase_batch(fds_.zones, XGSLB_MAP_ZONES, ids); }
void BpfMapWriter::erase_rrsets(std::span<const xgslb_rrset_key> keys) {
    erase_batch(fds_.rrsets, XGSLB_MAP_RRSETS, keys);
}
void BpfMapWriter::erase_names(std::span<const xgslb_name_key> keys) { erase_batch(fds_.names, XGSLB_MAP_NAMES, keys); }

// LPM trie elements are replaced whole on update, so a reader sees the old region or the new.
void BpfMapWriter::put_geo(const xgslb_geo_key& key, const xgslb_geo_region& value) {
    put(fds_.geo, XGSLB_MAP_GEO, &key, &value);
}
void BpfMapWriter::erase_geo(const xgslb_geo_key& key) { erase(fds_.geo, XGSLB_MAP_GEO, &key); }

std::array<uint64_t, 2> read_hash_seed(const MapFds& fds) {
    xgslb_settings s{};
    const uint32_t zero = 0;
    if (fds.settings < 0 || bpf_map_lookup_elem(fds.settings, &zero, &s) != 0) return {0, 0};
    return {s.hash_seed[0], s.hash_seed[1]};
}

MapContents read_map_contents(const MapFds& fds) {
    MapContents out;
    for (const auto& [k, v] : dump_map<uint32_t, xgslb_zone>(fds.zones)) out.zones[k] = v;
    for (const auto& [k, v] : dump_map<xgslb_rrset_key, xgslb_rrset>(fds.rrsets)) out.rrsets.append_read_back(k, v);
    out.rrsets.sort();
    for (const auto& [k, v] : dump_map<xgslb_name_key, xgslb_name>(fds.names)) out.names.append_read_back(k, v);
    out.names.sort();
    out.listen = listen_keys(read_listen_set(fds.listen));
    if (fds.geo >= 0)
        for (const auto& [k, v] : dump_map<xgslb_geo_key, xgslb_geo_region>(fds.geo)) out.geo[k] = v;
    return out;
}

}  // namespace xgslb
