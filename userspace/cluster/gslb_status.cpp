#include "userspace/cluster/gslb_status.h"

#include <arpa/inet.h>

#include "userspace/dns_name.h"

namespace xgslb {

namespace {

void add_addresses(const Node& node, uint16_t type, int family, nlohmann::json& out) {
    const RRset* set = node.find(type);
    if (!set) return;
    for (const Rdata& r : set->rdata) {
        char text[INET6_ADDRSTRLEN] = {};
        if (inet_ntop(family, r.data(), text, sizeof text)) out.push_back(text);
    }
}

}  // namespace

void fill_healthy_records(GslbStatusUpdate& update, const ZoneView& view) {
    nlohmann::json records = nlohmann::json::object();
    for (const std::string& host : update.hosts) {
        const WireName name = name_to_wire(host);
        const Zone* zone = view.find_zone(name);
        const Node* node = zone ? zone->find(name) : nullptr;
        if (!node) continue;
        nlohmann::json addresses = nlohmann::json::array();
        add_addresses(*node, rrtype::A, AF_INET, addresses);
        add_addresses(*node, rrtype::AAAA, AF_INET6, addresses);
        if (!addresses.empty()) records[host] = addresses;
    }
    update.status["healthyRecords"] = records;
}

}  // namespace xgslb
