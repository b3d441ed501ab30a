// libFuzzer target: a file of the manifests directory (userspace/cluster/manifest_file.h), read
// as YAML and as JSON. Every input gives objects or throws xgslb::Error located "path:line: ";
// anything else escaping (a yaml-cpp or JSON exception, std::out_of_range from a number), a
// crash, a hang, a leak or UB is a finding. Objects must be watched kinds with a name, filed
// under their own namespace/name, and serializable as JSON again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "userspace/cluster/k8s_object.h"
#include "userspace/cluster/manifest_file.h"
#include "userspace/error.h"

namespace {

void parse_as(const std::string& text, const std::string& path) {
    try {
        for (const auto& o : xgslb::parse_manifest_text(text, path)) {
            if (o.kind.empty() || o.key != xgslb::object_key(o.object) || xgslb::object_name(o.object).empty())
                std::abort();
            if (xgslb::json_string(o.object, {"kind"}) != o.kind || o.line < 1) std::abort();
            // The sources write objects back (a created Gslb, statuses naming services): each
            // must serialize (dump throws on invalid UTF-8).
            try {
                (void)o.object.dump();
            } catch (const nlohmann::json::exception&) {
                std::abort();
            }
        }
    } catch (const xgslb::Error& e) {
        if (std::string(e.what()).rfind(path + ":", 0) != 0) std::abort();  // every message is located
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    parse_as(text, "fuzz.yaml");
    parse_as(text, "fuzz.json");
    return 0;
}
