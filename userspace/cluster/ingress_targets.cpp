#include "userspace/cluster/ingress_targets.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "userspace/cluster/k8s_object.h"

namespace xgslb {

namespace {

bool add_ip(const std::string& text, TargetSet& out) {
    Ipv4Address a4;
    Ipv6Address a6;
    if (inet_pton(AF_INET, text.c_str(), a4.data()) == 1) {
        out.a.push_back(a4);
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), a6.data()) == 1) {
        out.aaaa.push_back(a6);
        return true;
    }
    return false;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

TargetSet SystemHostnameResolver::resolve(const std::string& hostname) const {
    TargetSet out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;  // one entry per address instead of one per socket type
    addrinfo* res = nullptr;
    if (getaddrinfo(hostname.c_str(), nullptr, &hints, &res) != 0) return out;
    for (const addrinfo* ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            Ipv4Address a;
            std::memcpy(a.data(), &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, a.size());
            out.a.push_back(a);
        } else if (ai->ai_family == AF_INET6) {
            Ipv6Address a;
            std::memcpy(a.data(), &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, a.size());
            out.aaaa.push_back(a);
        }
    }
    freeaddrinfo(res);
    normalize(out);
    return out;
}

void add_ingress_targets(const nlohmann::json& ingress, const HostnameResolver& resolver, TargetSet& out) {
    const nlohmann::json* lbs = json_at(ingress, {"status", "loadBalancer", "ingress"});
    if (!lbs || !lbs->is_array()) return;
    for (const auto& lb : *lbs) {
        const std::string ip = json_string(lb, {"ip"});
        if (!ip.empty() && add_ip(ip, out)) continue;
        const std::string hostname = json_string(lb, {"hostname"});
        if (hostname.empty()) continue;
        const TargetSet resolved = resolver.resolve(hostname);
        out.a.insert(out.a.end(), resolved.a.begin(), resolved.a.end());
        out.aaaa.insert(out.aaaa.end(), resolved.aaaa.begin(), resolved.aaaa.end());
    }
}

void normalize(TargetSet& targets) {
    sort_unique(targets.a);
    sort_unique(targets.aaaa);
}

}  // namespace xgslb
