#include "userspace/cluster/controller.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "userspace/cluster/gslb_spec.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

inline constexpr const char* kIngressApiVersion = "networking.k8s.io/v1";

// Rules and the Ingress whose status carries their addresses (null: not created yet).
struct RuleSource {
    const nlohmann::json* rules;
    const nlohmann::json* ingress;
};

const std::map<std::string, ObjectPtr>& objects_of(const ClusterState& state, const char* kind) {
    static const std::map<std::string, ObjectPtr> kNone;
    const auto it = state.objects.find(kind);
    return it == state.objects.end() ? kNone : it->second;
}

// Embedded spec.ingress: k8gb creates an Ingress of the Gslb's name from it, and that Ingress'
// status has the addresses. resourceRef: the referenced Ingresses' own rules and status.
std::vector<RuleSource> rule_sources(const ClusterState& state, const nlohmann::json& gslb) {
    const std::string ns = object_namespace(gslb);
    std::vector<RuleSource> out;
    const nlohmann::json* ref = json_at(gslb, {"spec", "resourceRef"});
    if (!ref || !ref->is_object() || ref->empty()) {
        const nlohmann::json* rules = json_at(gslb, {"spec", "ingress", "rules"});
        if (!rules || !rules->is_array()) throw Error("spec: neither ingress.rules nor resourceRef");
        out.push_back({rules, state.find(kKindIngress, ns, object_name(gslb))});
        return out;
    }
    const std::string kind = json_string(*ref, {"kind"});
    if (!kind.empty() && kind != kKindIngress)
        throw Error("spec.resourceRef.kind: '" + kind + "' is not supported (only Ingress)");
    const std::string name = json_string(*ref, {"name"});
    if (!name.empty()) {
        if (const nlohmann::json* ingress = state.find(kKindIngress, ns, name))
            out.push_back({json_at(*ingress, {"spec", "rules"}), ingress});
        return out;
    }
    if (!json_at(*ref, {"matchLabels"}) && !json_at(*ref, {"matchExpressions"}))
        throw Error("spec.resourceRef: needs name, matchLabels or matchExpressions");
    for (const auto& [key, object] : objects_of(state, kKindIngress)) {
        const nlohmann::json& ingress = *object;
        if (object_namespace(ingress) != ns) continue;
        const nlohmann::json* labels = json_at(ingress, {"metadata", "labels"});
        if (selector_matches(*ref, labels ? *labels : nlohmann::json::object()))
            out.push_back({json_at(ingress, {"spec", "rules"}), &ingress});
    }
    return out;
}

struct HostWork {
    std::vector<std::string> services;  // in rule order, unique
    TargetSet targets;
};

// Every host of a Gslb with its backend services and addresses; rule order kept, since k8gb's
// status lists hosts in that order.
std::vector<std::pair<std::string, HostWork>> collect_hosts(const std::vector<RuleSource>& sources,
                                                            const HostnameResolver& resolver,
                                                            const std::string& where,
                                                            std::vector<std::string>& problems) {
    std::vector<std::pair<std::string, HostWork>> hosts;
    std::map<std::string, size_t> index;
    for (const RuleSource& src : sources) {
        if (!src.rules || !src.rules->is_array()) continue;
        TargetSet targets;
        if (src.ingress) add_ingress_targets(*src.ingress, resolver, targets);
        for (const auto& rule : *src.rules) {
            std::string host;
            try {
                host = normalize_host(json_string(rule, {"host"}));
            } catch (const Error& e) {
                problems.push_back(where + ": " + e.what());
                continue;
            }
            auto [it, fresh] = index.emplace(host, hosts.size());
            if (fresh) hosts.push_back({host, {}});
            HostWork& work = hosts[it->second].second;
            work.targets.a.insert(work.targets.a.end(), targets.a.begin(), targets.a.end());
            work.targets.aaaa.insert(work.targets.aaaa.end(), targets.aaaa.begin(), targets.aaaa.end());
            const nlohmann::json* paths = json_at(rule, {"http", "paths"});
            if (!paths || !paths->is_array()) continue;
            for (const auto& path : *paths) {
                const std::string svc = json_string(path, {"backend", "service", "name"});
                if (!svc.empty() && std::find(work.services.begin(), work.services.end(), svc) == work.services.end())
                    work.services.push_back(svc);
            }
        }
    }
    for (auto& [host, work] : hosts) normalize(work.targets);
    return hosts;
}

std::string ip_text(const Ipv4Address& a) {
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

std::optional<nlohmann::json> gslb_for_annotated(const nlohmann::json& ingress, std::string& problem) {
    const nlohmann::json* annotations = json_at(ingress, {"metadata", "annotations"});
    if (!annotations || !json_at(*annotations, {"k8gb.io/strategy"})) return std::nullopt;
    nlohmann::json strategy;
    try {
        strategy = strategy_from_annotations(*annotations);
    } catch (const Error& e) {
        problem = "Ingress " + object_key(ingress) + ": " + e.what();
        return std::nullopt;
    }
    nlohmann::json owner = {{"apiVersion", kIngressApiVersion}, {"kind", kKindIngress},
                            {"name", object_name(ingress)}, {"controller", true}, {"blockOwnerDeletion", true}};
    if (const std::string uid = json_string(ingress, {"metadata", "uid"}); !uid.empty()) owner["uid"] = uid;
    return nlohmann::json{
        {"apiVersion", "k8gb.absa.oss/v1beta1"},
        {"kind", kKindGslb},
        {"metadata", {{"name", object_name(ingress)}, {"namespace", object_namespace(ingress)},
                      {"ownerReferences", nlohmann::json::array({owner})}}},
        {"spec", {{"resourceRef", {{"apiVersion", kIngressApiVersion}, {"kind", kKindIngress},
                                   {"name", object_name(ingress)}}},
                  {"strategy", strategy}}}};
}

}  // namespace

ControllerResult reconcile(const ClusterState& state, const ControllerSettings& settings,
                           const HostnameResolver& resolver) {
    ControllerResult out;
    const ServiceHealthIndex health(state);
    std::unordered_map<std::string, std::string> owner_of;  // host -> "ns/name" of the Gslb serving it

    for (const auto& [key, object] : objects_of(state, kKindGslb)) {
        const nlohmann::json& gslb = *object;
        const std::string ns = object_namespace(gslb);
        const std::string where = "Gslb " + key;
        if (settings.write_gslb_ingresses) {
            try {
                if (auto w = gslb_ingress_write(gslb, state.find(kKindIngress, ns, object_name(gslb))))
                    out.ingress_writes.push_back(std::move(*w));
            } catch (const Error& e) {
                out.problems.push_back(where + ": " + e.what());
            }
        }
        GslbStrategy strategy;
        std::vector<std::pair<std::string, HostWork>> hosts;
        try {
            strategy = parse_gslb_strategy(gslb);
            hosts = collect_hosts(rule_sources(state, gslb), resolver, where, out.problems);
        } catch (const Error& e) {
            out.problems.push_back(where + ": " + e.what() + " (skipped)");
            continue;
        }

        GslbStatusUpdate update{ns, object_name(gslb), {}, nlohmann::json::object()};
        update.hosts.reserve(hosts.size());
        nlohmann::json service_health = nlohmann::json::object();
        nlohmann::json servers = nlohmann::json::array();
        std::set<Ipv4Address> exposed;
        // The hosts of a Gslb mostly share their backends: each service is judged once per Gslb.
        std::vector<std::pair<std::string, HostHealth>> judged;
        auto service_health_of = [&](const std::string& svc) {
            for (const auto& [name, h] : judged)
                if (name == svc) return h;
            return judged.emplace_back(svc, health.service(ns, svc)).second;
        };
        // nlohmann's initializer lists copy what they are given: every tree below is built in
        // place or moved, never copied (at 100k hosts the copies were most of the controller).
        for (auto& [host, work] : hosts) {
            auto [owner, fresh] = owner_of.emplace(host, key);
            if (!fresh) {
                out.problems.push_back(where + ": host " + host + " is already served by Gslb " + owner->second);
                continue;
            }
            std::vector<HostHealth> services;
            services.reserve(work.services.size());
            nlohmann::json refs = nlohmann::json::array();
            for (const auto& svc : work.services) {
                services.push_back(service_health_of(svc));
                nlohmann::json ref = nlohmann::json::object();
                ref["name"] = svc;
                ref["namespace"] = ns;
                refs.push_back(std::move(ref));
            }
            GslbHost h;
            h.ttl = strategy.ttl;
            h.strategy = strategy.spec;
            h.health = combine(services, settings.policy);
            h.owner = key;
            if (h.health == HostHealth::Healthy) h.local = std::move(work.targets);
            exposed.insert(h.local.a.begin(), h.local.a.end());
            service_health.emplace(host, to_string(h.health));
            nlohmann::json server = nlohmann::json::object();
            server["host"] = host;
            server["services"] = std::move(refs);
            servers.push_back(std::move(server));
            update.hosts.push_back(host);
            h.name = std::move(host);
            out.hosts.push_back(std::move(h));
        }
        std::string joined;
        for (const auto& h : update.hosts) {
            if (!joined.empty()) joined += ", ";
            joined += h;
        }
        nlohmann::json exposed_ips = nlohmann::json::array();
        for (const auto& a : exposed) exposed_ips.push_back(ip_text(a));
        nlohmann::json& status = update.status;
        status["serviceHealth"] = std::move(service_health);
        status["healthyRecords"] = nlohmann::json::object();
        status["geoTag"] = settings.geo_tag;
        status["hosts"] = std::move(joined);
        status["servers"] = std::move(servers);
        status["loadBalancer"]["exposedIps"] = std::move(exposed_ips);
        out.statuses.push_back(std::move(update));
    }

    for (const auto& [key, object] : objects_of(state, kKindIngress)) {
        const nlohmann::json& ingress = *object;
        if (state.find(kKindGslb, object_namespace(ingress), object_name(ingress))) continue;
        std::string problem;
        if (auto gslb = gslb_for_annotated(ingress, problem)) out.gslbs_to_create.push_back(std::move(*gslb));
        if (!problem.empty()) out.problems.push_back(problem);
    }

    std::sort(out.hosts.begin(), out.hosts.end(), [](const GslbHost& a, const GslbHost& b) { return a.name < b.name; });
    return out;
}

}  // namespace xgslb
