// What the publisher tests publish: a small zone's map contents, built the way the daemon builds
// them, and the map key of a name, both with one fixed seed.
#pragma once

#include <cstdint>
#include <string>

#include "userspace/config.h"
#include "userspace/dns_name.h"
#include "userspace/map_contents.h"
#include "userspace/zone_view.h"

namespace xgslb::publisher_fixture {

inline const uint64_t kSeed[2] = {7, 11};

inline const std::string kBase = R"(instance: eu
zones:
  - zone: cloud.example.com
dns:
  listen: ["10.77.0.2:53"]
records:
)";
inline const std::string kRoundRobin = "  - {name: roundrobin.cloud.example.com, a: [172.18.0.3, 172.18.0.4]}\n";
inline const std::string kDeep = "  - {name: a.b.cloud.example.com, a: [10.0.0.1]}\n";

// The map contents of kBase followed by `records` (YAML list items).
inline MapContents contents(const std::string& records) {
    return build_map_contents(*ZoneView::build(parse_config(kBase + records, "test.yaml")), kSeed);
}

inline uint64_t hash_of(const char* name) { return hash_wire_name(name_to_wire(name), kSeed).hash; }

}  // namespace xgslb::publisher_fixture
