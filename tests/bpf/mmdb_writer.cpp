#include "tests/bpf/mmdb_writer.h"

#include <cstdint>
#include <fstream>

#include "userspace/error.h"

namespace xgslb::test {

namespace {

using Bytes = std::vector<uint8_t>;

// Data field encoding (spec "Output Data Section"): 3-bit type and 5-bit size in the control
// byte; types above 7 are "extended", their type - 7 in the next byte.
void control(Bytes& out, unsigned type, size_t size) {
    if (size >= 29) throw Error("mmdb writer: field too long for this writer");
    if (type <= 7) {
        out.push_back(static_cast<uint8_t>(type << 5 | size));
    } else {
        out.push_back(static_cast<uint8_t>(size));
        out.push_back(static_cast<uint8_t>(type - 7));
    }
}
void string(Bytes& out, const std::string& s) {
    control(out, 2, s.size());
    out.insert(out.end(), s.begin(), s.end());
}
void unsigned_int(Bytes& out, unsigned type, uint64_t v) {
    Bytes be;
    for (; v; v >>= 8) be.insert(be.begin(), static_cast<uint8_t>(v));
    control(out, type, be.size());
    out.insert(out.end(), be.begin(), be.end());
}
void map_header(Bytes& out, size_t pairs) { control(out, 7, pairs); }

struct Node {
    // -1: empty; >= 0: another node; <= -2: data record -(2 + index into the data offsets).
    long child[2] = {-1, -1};
};

}  // namespace

void write_test_mmdb(const std::string& path, const std::string& field,
                     const std::vector<std::pair<IpPrefix, std::string>>& networks) {
    Bytes data;
    std::map<std::string, size_t> offset_of;
    std::vector<size_t> offsets;
    std::vector<Node> nodes(1);
    for (const auto& [prefix, region] : networks) {
        if (prefix.family != AF_INET || prefix.length == 0) throw Error("mmdb writer: IPv4 prefixes of /1.. only");
        if (!offset_of.count(region)) {
            offset_of[region] = data.size();
            map_header(data, 1);
            string(data, field);
            string(data, region);
        }
        offsets.push_back(offset_of[region]);
        size_t n = 0;
        for (unsigned bit = 0; bit < prefix.length; ++bit) {
            const int side = (prefix.addr[bit / 8] >> (7 - bit % 8)) & 1;
            if (bit + 1 == prefix.length) {
                nodes[n].child[side] = -2 - static_cast<long>(offsets.size() - 1);
                break;
            }
            if (nodes[n].child[side] < 0) {
                nodes[n].child[side] = static_cast<long>(nodes.size());
                nodes.emplace_back();
            }
            n = static_cast<size_t>(nodes[n].child[side]);
        }
    }
    const uint32_t node_count = static_cast<uint32_t>(nodes.size());
    Bytes file;
    for (const Node& node : nodes)
        for (long c : node.child) {
            // Records: < node_count a node, == node_count empty, else node_count + 16 + data offset.
            const uint32_t v = c >= 0 ? static_cast<uint32_t>(c)
                               : c == -1 ? node_count
                                         : node_count + 16 + static_cast<uint32_t>(offsets[static_cast<size_t>(-2 - c)]);
            file.push_back(static_cast<uint8_t>(v >> 16));
            file.push_back(static_cast<uint8_t>(v >> 8));
            file.push_back(static_cast<uint8_t>(v));
        }
    file.insert(file.end(), 16, 0);  // the data section separator
    file.insert(file.end(), data.begin(), data.end());
    const std::string marker = "\xAB\xCD\xEFMaxMind.com";
    file.insert(file.end(), marker.begin(), marker.end());
    Bytes meta;
    map_header(meta, 9);
    string(meta, "binary_format_major_version"), unsigned_int(meta, 5, 2);
    string(meta, "binary_format_minor_version"), unsigned_int(meta, 5, 0);
    string(meta, "build_epoch"), unsigned_int(meta, 9, 1700000000);
    string(meta, "database_type"), string(meta, "xgslb-test");
    string(meta, "description"), map_header(meta, 1), string(meta, "en"), string(meta, "xgslb test regions");
    string(meta, "ip_version"), unsigned_int(meta, 5, 4);
    string(meta, "languages"), control(meta, 11, 1), string(meta, "en");
    string(meta, "node_count"), unsigned_int(meta, 6, node_count);
    string(meta, "record_size"), unsigned_int(meta, 5, 24);
    file.insert(file.end(), meta.begin(), meta.end());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    if (!out) throw Error("mmdb writer: cannot write " + path);
}

}  // namespace xgslb::test
