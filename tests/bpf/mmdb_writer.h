// A minimal MaxMind DB writer for tests (no writer is packaged): an IPv4 search tree with
// 24-bit records, a data section of {field: region} maps and the metadata libmaxminddb requires,
// following the MaxMind DB File Format Specification 2.0.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strategies/ip_prefix.h"

namespace xgslb::test {

// Writes `path`: each IPv4 prefix maps to a record {field: region}. Throws xgslb::Error.
void write_test_mmdb(const std::string& path, const std::string& field,
                     const std::vector<std::pair<IpPrefix, std::string>>& networks);

}  // namespace xgslb::test
