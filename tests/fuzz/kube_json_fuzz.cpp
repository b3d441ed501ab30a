// libFuzzer target: bytes as the Kubernetes API would send them to the client, read both ways
// the client reads them (userspace/cluster/kube_decode.h): as a list response body, and as a
// watch stream (one event per line) applied to a reflector's mirror. Anything escaping but
// xgslb::Error, a crash, a leak or UB is a finding; so is a mirror or page breaking its promises
// (every item an object with a name; every mirror entry filed under its own namespace/name).
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "userspace/cluster/k8s_object.h"
#include "userspace/cluster/kube_decode.h"
#include "userspace/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const xgslb::KubeListPage page = xgslb::decode_list_page("list gslbs", text);
        if (!page.items.is_array()) std::abort();
        for (const auto& item : page.items)
            if (!item.is_object() || xgslb::object_name(item).empty()) std::abort();
    } catch (const xgslb::Error&) {
    }

    std::map<std::string, xgslb::ObjectPtr> mirror;
    std::string version = "1";
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;  // as the stream reader skips them
        try {
            const auto step = xgslb::apply_watch_event("watch gslbs", xgslb::decode_watch_event("watch gslbs", line),
                                                       mirror, version);
            if (step == xgslb::WatchStep::Gone) break;  // the reflector lists again
        } catch (const xgslb::Error&) {
            break;  // the reflector ends this watch and resumes it after a backoff
        }
        if (version.empty()) std::abort();
    }
    for (const auto& [key, object] : mirror)
        if (!object || !object->is_object() || key != xgslb::object_key(*object) || xgslb::object_name(*object).empty())
            std::abort();
    return 0;
}
