// Synthetic configs and queries for the micro-benchmarks: one zone with N hosts, each with two
// A and one AAAA record, the shape of a large cluster's GSLB zone. Built in code (not YAML) so
// 100k hosts cost the benchmark nothing to set up but the thing being measured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "userspace/config.h"

namespace xgslb::bench {

inline constexpr const char* kZone = "cloud.example.com";

// "host-<i>.cloud.example.com"
std::string host_name(size_t i);

// `hosts` hosts; `generation` changes the second A of every 100th host (1 % of the sets), the
// shape of a health change that the publisher has to diff.
Config synthetic_config(size_t hosts, unsigned generation = 0);

// A query message as a stub resolver sends it: RD set, one question, optionally an OPT with a
// 1232-octet payload size and no options.
std::vector<uint8_t> make_query(const std::string& name, uint16_t qtype, bool edns, uint16_t id = 0x1234);

}  // namespace xgslb::bench
