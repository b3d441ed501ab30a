// The `rrl` config as the XDP program's RRL maps hold it (the RRL section of maps/xgslb_abi.h):
// the settings entry and the allow-list keys. Pure, so it is unit-tested without BPF.
#pragma once

#include <vector>

#include "maps/xgslb_abi.h"
#include "userspace/config.h"

namespace xgslb {

struct RrlMapContents {
    xgslb_rrl_config config{};
    std::vector<xgslb_rrl_allow_key> allow;
};

RrlMapContents build_rrl_contents(const RrlConfig& rrl);

// The network-order mask of `length` leading one bits over `octets` octets.
void prefix_mask(unsigned length, uint8_t* out, size_t octets);

}  // namespace xgslb
