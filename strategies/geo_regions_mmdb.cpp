// GeoRegions from a MaxMind DB: the search tree is walked once and every network whose field
// is set becomes one prefix, so the XDP program's LPM trie answers as libmaxminddb would.
#include <maxminddb.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "strategies/geo_regions.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

struct Walk {
    MMDB_s* db;
    std::vector<const char*> path;  // the field, split at dots, NULL-terminated
    std::vector<std::pair<IpPrefix, std::string>> found;
    std::string file;

    [[noreturn]] void fail(const std::string& what, int status) const {
        throw Error(file + ": " + what + ": " + MMDB_strerror(status));
    }

    // A data record at `depth` bits of `bits` (the tree's address, 128 bits for an IPv6 tree).
    void data(MMDB_entry_s entry, const std::array<uint8_t, 16>& bits, unsigned depth) {
        MMDB_entry_data_s value;
        const int status = MMDB_aget_value(&entry, &value, path.data());
        if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || (status == MMDB_SUCCESS && !value.has_data))
            return;
        if (status != MMDB_SUCCESS) fail("reading a record", status);
        if (value.type != MMDB_DATA_TYPE_UTF8_STRING) return;  // not a region name
        const std::string region(value.utf8_string, value.data_size);
        if (region.empty()) return;
        IpPrefix p;
        if (db->metadata.ip_version == 4) {
            p.family = AF_INET;
            std::memcpy(p.addr.data(), bits.data(), 4);
            p.length = static_cast<uint8_t>(depth);
        } else if (depth >= 96 && std::all_of(bits.begin(), bits.begin() + 12, [](uint8_t b) { return b == 0; })) {
            // IPv4 lives at ::/96 in an IPv6 tree (the MaxMind DB format, "IPv4 addresses in an IPv6 tree").
            p.family = AF_INET;
            std::memcpy(p.addr.data(), bits.data() + 12, 4);
            p.length = static_cast<uint8_t>(depth - 96);
        } else {
            p.family = AF_INET6;
            p.addr = bits;
            p.length = static_cast<uint8_t>(depth);
        }
        found.emplace_back(p, region);
    }

    void node(uint32_t number, std::array<uint8_t, 16> bits, unsigned depth) {
        const unsigned max = db->metadata.ip_version == 4 ? 32 : 128;
        if (depth >= max) return;
        MMDB_search_node_s n;
        if (int status = MMDB_read_node(db, number, &n); status != MMDB_SUCCESS) fail("reading the tree", status);
        for (int side = 0; side < 2; ++side) {
            std::array<uint8_t, 16> child = bits;
            if (side) child[depth / 8] |= static_cast<uint8_t>(0x80u >> (depth % 8));
            const uint8_t type = side ? n.right_record_type : n.left_record_type;
            const uint64_t record = side ? n.right_record : n.left_record;
            if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
                if (max == 128 && is_alias(child, depth + 1)) continue;
                node(static_cast<uint32_t>(record), child, depth + 1);
            } else if (type == MMDB_RECORD_TYPE_DATA) {
                data(side ? n.right_record_entry : n.left_record_entry, child, depth + 1);
            } else if (type == MMDB_RECORD_TYPE_INVALID) {
                throw Error(file + ": invalid search tree record");
            }
        }
    }

    // ::ffff:0:0/96 and 2002::/16 point back at the IPv4 subtree in MaxMind's own databases.
    static bool is_alias(const std::array<uint8_t, 16>& bits, unsigned depth) {
        if (depth == 16 && bits[0] == 0x20 && bits[1] == 0x02) return true;
        if (depth == 96) {
            for (int i = 0; i < 10; ++i)
                if (bits[i]) return false;
            return bits[10] == 0xff && bits[11] == 0xff;
        }
        return false;
    }
};

std::vector<std::string> split_field(const std::string& field) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        const size_t dot = field.find('.', start);
        parts.push_back(field.substr(start, dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

}  // namespace

GeoRegions GeoRegions::from_mmdb(const std::string& path, const std::string& field) {
    MMDB_s db;
    if (int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db); status != MMDB_SUCCESS)
        throw Error(path + ": cannot open as a MaxMind DB: " + MMDB_strerror(status));
    const std::vector<std::string> parts = split_field(field);
    Walk walk{&db, {}, {}, path};
    for (const auto& p : parts) walk.path.push_back(p.c_str());
    walk.path.push_back(nullptr);
    try {
        walk.node(0, {}, 0);
    } catch (...) {
        MMDB_close(&db);
        throw;
    }
    MMDB_close(&db);

    GeoRegions g;
    std::set<std::string> names;
    for (const auto& [prefix, region] : walk.found) names.insert(region);
    g.names_.assign(names.begin(), names.end());
    std::set<IpPrefix> seen;  // an IPv6 tree can reach one IPv4 network twice
    for (const auto& [prefix, region] : walk.found)
        if (seen.insert(prefix).second) g.add(prefix, region);
    g.finish();
    return g;
}

}  // namespace xgslb
