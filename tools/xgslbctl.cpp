// xgslbctl: inspect a running instance through its pinned maps (stats, records), its loaded
// program (lookup) or the daemon itself over its control socket (status, zone export); take a
// stopped instance off its interfaces (detach). Human output by default, `-o json` for scripts.
// The subcommands beyond stats and records live in tools/ctl_*.cpp.
#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "maps/pinned_maps.h"
#include "tools/ctl_commands.h"
#include "userspace/control_socket.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace {

using nlohmann::json;

std::string pick_instance(const std::string& requested) {
    if (!requested.empty()) return requested;
    const auto found = xgslb::PinnedMaps::instances();
    if (found.size() == 1) return found.front();
    if (found.empty()) throw xgslb::Error("no instance pinned under " XGSLB_PIN_ROOT " (is xgslbd running?)");
    std::string list;
    for (const auto& i : found) list += " " + i;
    throw xgslb::Error("several instances pinned, choose one with --instance:" + list);
}

int show_stats(const std::string& instance, bool as_json) {
    xgslb::PinnedMaps maps(instance);
    const xgslb_stats stats = xgslb::read_stats(maps.fds().stats);
    const auto* values = reinterpret_cast<const uint64_t*>(&stats);
    const auto& names = xgslb::counter_names();
    if (as_json) {
        json out = {{"instance", instance}};
        for (size_t i = 0; i < names.size(); ++i) out["counters"][names[i]] = values[i];
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("instance %s\n", instance.c_str());
    for (size_t i = 0; i < names.size(); ++i) std::printf("  %-22s %llu\n", names[i].c_str(), (unsigned long long)values[i]);
    return 0;
}

std::string address_text(const uint8_t* rdata, uint16_t record_len) {
    char text[INET6_ADDRSTRLEN] = "";
    const int family = record_len == XGSLB_RR_A_LEN ? AF_INET : AF_INET6;
    inet_ntop(family, rdata, text, sizeof text);
    return text;
}

std::vector<std::string> flag_names(uint32_t flags) {
    std::vector<std::string> out;
    if (flags & XGSLB_NAME_APEX) out.push_back("apex");
    if (flags & XGSLB_NAME_OTHER_TYPES) out.push_back("other-types");
    if (flags & XGSLB_NAME_PASS) out.push_back("pass");
    if (flags & XGSLB_NAME_DELEGATION) out.push_back("delegation");
    return out;
}

int show_records(const std::string& instance, const std::string& only, bool as_json) {
    xgslb::PinnedMaps maps(instance);
    std::map<uint64_t, std::vector<xgslb_rrset>> rrsets_by_name;
    for (const auto& [key, value] : xgslb::dump_map<xgslb_rrset_key, xgslb_rrset>(maps.fds().rrsets))
        rrsets_by_name[key.name_hash].push_back(value);
    auto names = xgslb::dump_map<xgslb_name_key, xgslb_name>(maps.fds().names);
    std::sort(names.begin(), names.end(),
              [](const auto& a, const auto& b) { return std::string(a.second.text) < std::string(b.second.text); });
    const std::string wanted = only.empty() ? "" : xgslb::canonical_name(only);

    json out = json::array();
    for (const auto& [key, name] : names) {
        const std::string text(name.text);
        if (!wanted.empty() && text != wanted) continue;
        json entry = {{"name", text}, {"zone_id", name.zone_id}, {"flags", flag_names(name.flags)}};
        for (const auto& rrset : rrsets_by_name[key.hash]) {
            const char* type = rrset.record_len == XGSLB_RR_A_LEN ? "A" : "AAAA";
            json set = {{"type", type}, {"ttl", rrset.ttl}, {"records", json::array()}};
            for (uint16_t i = 0; i < rrset.count; ++i)
                set["records"].push_back(address_text(rrset.wire + i * rrset.record_len + 12, rrset.record_len));
            entry["rrsets"].push_back(set);
        }
        out.push_back(entry);
    }
    if (as_json) {
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const auto& entry : out) {
        std::string flags;
        for (const auto& f : entry["flags"]) flags += (flags.empty() ? " [" : ",") + f.get<std::string>();
        if (!flags.empty()) flags += "]";
        std::printf("%s%s\n", entry["name"].get<std::string>().c_str(), flags.c_str());
        if (!entry.contains("rrsets")) continue;
        for (const auto& set : entry["rrsets"])
            for (const auto& record : set["records"])
                std::printf("  %-5s %6u  %s\n", set["type"].get<std::string>().c_str(), set["ttl"].get<unsigned>(),
                            record.get<std::string>().c_str());
    }
    if (!wanted.empty() && out.empty()) {
        std::fprintf(stderr, "%s: not in the maps\n", wanted.c_str());
        return 1;
    }
    return 0;
}

// The master file of what the daemon serves now; only the daemon has the view (the maps hold
// just what XDP answers), so this goes through its control socket.
int export_zone(const std::string& instance, const std::string& zone) {
    const std::string text =
        xgslb::control_request(xgslb::control_socket_path(instance), zone.empty() ? "zone-export" : "zone-export " + zone);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"xgslbctl: inspect and operate xgslb instances"};
    app.require_subcommand(1);
    app.fallthrough();  // -i/-o also after the subcommand: `xgslbctl stats -o json`
    std::string instance, output = "text", name;
    app.add_option("-i,--instance", instance, "instance (default: the only one pinned)");
    app.add_option("-o,--output", output, "text or json")->check(CLI::IsMember({"text", "json"}));
    auto* stats = app.add_subcommand("stats", "XDP counters summed over CPUs: seen, answered by kind, passed by reason");
    bool watch = false;
    double interval = 1;
    unsigned count = 0;
    stats->add_flag("-w,--watch", watch, "rates per second every interval, like top");
    stats->add_option("--interval", interval, "seconds between samples (with --watch)")->check(CLI::Range(0.05, 3600.0));
    stats->add_option("--count", count, "samples before exiting (with --watch; 0: until interrupted)");
    auto* status = app.add_subcommand("status", "program, interfaces, XDP mode, map fill, last publish (asks the daemon)");
    auto* lookup = app.add_subcommand("lookup", "what the loaded XDP program answers to a query (BPF_PROG_TEST_RUN)");
    xgslb::ctl::LookupOptions lookup_options;
    lookup->add_option("name", lookup_options.name, "query name")->required();
    lookup->add_option("type", lookup_options.type, "query type (default A)");
    lookup->add_option("--client", lookup_options.client, "source address of the query");
    lookup->add_option("--ecs", lookup_options.ecs, "EDNS Client Subnet, e.g. 198.51.100.0/24");
    lookup->add_option("--server", lookup_options.server, "destination address (default: the first one XDP answers for)");
    auto* detach = app.add_subcommand("detach", "take a stopped instance's program off this namespace's interfaces, remove its pins");
    auto* records = app.add_subcommand("records", "what the maps hold: names, flags, A/AAAA sets");
    records->add_option("name", name, "only this name");
    auto* zone = app.add_subcommand("zone", "the zones as the daemon serves them");
    zone->require_subcommand(1);
    std::string zone_name;
    auto* zone_export = zone->add_subcommand(
        "export", "print the served zone(s) as an RFC 1035 master file (SOA first, canonical order), for other servers");
    zone_export->add_option("zone", zone_name, "only the zone with this apex (default: every zone)");
    CLI11_PARSE(app, argc, argv);

    try {
        const bool as_json = output == "json";
        const std::string chosen = pick_instance(instance);
        if (stats->parsed() && watch) return xgslb::ctl::watch_stats(chosen, as_json, interval, count);
        if (stats->parsed()) return show_stats(chosen, as_json);
        if (status->parsed()) return xgslb::ctl::show_status(chosen, as_json);
        if (lookup->parsed()) return xgslb::ctl::lookup(chosen, lookup_options, as_json);
        if (detach->parsed()) return xgslb::ctl::detach(chosen, as_json);
        if (records->parsed()) return show_records(chosen, name, as_json);
        if (zone_export->parsed()) return export_zone(chosen, zone_name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xgslbctl: %s\n", e.what());
        return 1;
    }
    return 0;
}
