// libFuzzer target: arbitrary text as the YAML config (parse_config). Every input either gives
// a Config or throws xgslb::Error with a "source:line: ..." message; anything else escaping
// (a yaml-cpp exception, std::out_of_range, ...), a crash, a leak or UB is a finding. A parsed
// config must hold the ranges its parser promises (checked for the rrl section).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "userspace/config.h"
#include "userspace/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const xgslb::Config c = xgslb::parse_config(text, "fuzz.yaml");
        const xgslb::RrlConfig& r = c.rrl;
        if (r.responses_per_second > 1000000 || r.slip > 10 || r.ipv4_prefix < 8 || r.ipv4_prefix > 32 ||
            r.ipv6_prefix < 16 || r.ipv6_prefix > 128)
            std::abort();
        for (const auto& p : r.allow)
            if (p.length > (p.family == 2 /* AF_INET */ ? 32 : 128)) std::abort();
        if (c.instance.empty() || c.zones.empty() || c.dns.listen.empty()) std::abort();
    } catch (const xgslb::Error& e) {
        if (std::string(e.what()).rfind("fuzz.yaml:", 0) != 0) std::abort();  // every message is located
    }
    return 0;
}
