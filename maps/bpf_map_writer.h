// The Publisher's writes, applied to the BPF maps of an instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "maps/express_map.h"
#include "maps/pinned_maps.h"
#include "userspace/express_table.h"
#include "userspace/publisher.h"

namespace xgslb {

// The instance's name-hash seeds (xgslb_settings[0]); zeros when the map cannot be read.
std::array<uint64_t, 2> read_hash_seed(const MapFds& fds);

class BpfMapWriter final : public MapWriter {
public:
    // Maps the express table (fds.express) into this process for put/erase/rebuild_express; its
    // slot index and name proofs use the instance's hash seeds, read from fds.settings.
    explicit BpfMapWriter(const MapFds& fds)
        : fds_(fds), express_map_(fds.express), express_(express_map_.slots(), read_hash_seed(fds).data()) {}

    void put_zone(uint32_t id, const xgslb_zone& value) override;
    void erase_zone(uint32_t id) override;
    void put_rrset(const xgslb_rrset_key& key, const xgslb_rrset& value) override;
    void erase_rrset(const xgslb_rrset_key& key) override;
    void put_name(const xgslb_name_key& key, const xgslb_name& value) override;
    void erase_name(const xgslb_name_key& key) override;
    void put_listen(const xgslb_listen_set& set) override;
    void put_geo(const xgslb_geo_key& key, const xgslb_geo_region& value) override;
    void erase_geo(const xgslb_geo_key& key) override;

    // BPF_MAP_UPDATE_BATCH / BPF_MAP_DELETE_BATCH: one syscall per chunk instead of per entry.
    void put_zones(std::span<const uint32_t> ids, std::span<const xgslb_zone> values) override;
    void put_rrsets(std::span<const xgslb_rrset_key> keys, std::span<const xgslb_rrset> values) override;
    void put_names(std::span<const xgslb_name_key> keys, std::span<const xgslb_name> values) override;
    void erase_zones(std::span<const uint32_t> ids) override;
    void erase_rrsets(std::span<const xgslb_rrset_key> keys) override;
    void erase_names(std::span<const xgslb_name_key> keys) override;
    bool batches_may_run_concurrently() const override { return true; }  // plain syscalls on fds

    // The express table, written through its mapping (the publisher calls these in order).
    void put_express(const xgslb_rrset_key& key, const xgslb_rrset& value, std::string_view owner) override {
        express_.put(key, value, owner);
    }
    void erase_express(const xgslb_rrset_key& key) override { express_.erase(key); }
    void rebuild_express(const RrsetEntries& rrsets, const NameEntries& names) override {
        express_.rebuild(rrsets, names);
    }
    const ExpressTable& express() const { return express_; }

private:
    MapFds fds_;
    ExpressMapping express_map_;
    ExpressTable express_;
};

// What the maps of an instance hold now, as the Publisher would have written it: a restarted
// daemon adopts this, so its first publish writes only differences and erases leftovers.
MapContents read_map_contents(const MapFds& fds);

}  // namespace xgslb
