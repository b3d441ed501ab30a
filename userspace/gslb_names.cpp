#include "userspace/gslb_names.h"

#include <algorithm>

#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

constexpr std::string_view kLocalTargets = "localtargets-";

// Presentation form without the trailing dot, lowercase: how k8gb's strings look.
std::string plain(const std::string& name) {
    std::string s = canonical_name(name);
    if (s.size() > 1 && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

std::string gslb_ns_name(const std::string& geo_tag, const std::string& zone, const std::string& edge_zone) {
    const std::string z = plain(zone), edge = plain(edge_zone);
    if (z.size() <= edge.size() + 1 || z.compare(z.size() - edge.size(), edge.size(), edge) != 0 ||
        z[z.size() - edge.size() - 1] != '.')
        throw Error("'" + z + "' is not below the edge zone '" + edge + "'");
    std::string relative = z.substr(0, z.size() - edge.size() - 1);
    std::replace(relative.begin(), relative.end(), '.', '-');
    const std::string ns = "gslb-ns-" + geo_tag + "-" + relative + "." + edge;
    try {
        name_to_wire(ns);
    } catch (const Error& e) {
        throw Error("the NS name '" + ns + "' is not valid: " + e.what());
    }
    return ns;
}

std::vector<std::string> gslb_ns_names(const Config& config) {
    std::vector<std::string> out;
    if (!config.gslb) return out;
    for (const auto& tag : config.gslb->geo_tags)
        out.push_back(gslb_ns_name(tag, config.gslb->zone, config.gslb->edge_zone));
    std::sort(out.begin(), out.end());
    return out;
}

std::string own_ns_name(const Config& config) {
    if (!config.gslb) return {};
    return gslb_ns_name(config.geo_tag, config.gslb->zone, config.gslb->edge_zone);
}

std::string host_of_localtargets(const std::string& name) {
    if (name.size() <= kLocalTargets.size() || name.compare(0, kLocalTargets.size(), kLocalTargets) != 0) return {};
    return name.substr(kLocalTargets.size());
}

}  // namespace xgslb
