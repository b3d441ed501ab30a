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
    // Reserved for every rule, so the names the index views never move.
    size_t rules = 0;
    for (const RuleSource& src : sources)
        if (src.rules && src.rules->is_array()) rules += src.rules->size();
    hosts.reserve(rules);
    std::unordered_map<std::string_view, size_t> index;
    index.reserve(rules);
    for (const RuleSource& src : sources) {
        if (!src.rules || !src.rules->is_array()) continue;
        TargetSet targets;
        if (src.ingress) add_ingress_targets(*src.ingress, resolver, targets);
        for (const auto& rule : *src.rules) {
            static const std::string kNone;
            const nlohmann::json* raw = json_at(rule, {"host"});
            std::string host;
            try {
                host = normalize_host(raw && raw->is_string() ? raw->get_ref<const std::string&>() : kNone);
            } catch (const Error& e) {
                problems.push_back(where + ": " + e.what());
                continue;
            }
            auto it = index.find(host);
            if (it == index.end()) {
                hosts.push_back({std::move(host), {}});
                it = index.emplace(hosts.back().first, hosts.size() - 1).first;
            }
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

// One Gslb read, before the hosts that an earlier Gslb serves are taken from it.
struct GslbPlan {
    const std::string* key;  // "ns/name"
    std::string ns, name;
    GslbStrategy strategy;
    std::vector<std::pair<std::string, HostWork>> hosts;  // rule order
    std::vector<std::string> problems;                    // in the order met
    bool skipped = false;
};

// A host of a plan, for finding each name's first Gslb by sorting rather than a map of 100k
// strings (the map was a third of the controller at scale).
struct HostRef {
    std::string_view name;
    uint32_t plan, pos;
};

}  // namespace

ControllerResult reconcile(const ClusterState& state, const ControllerSettings& settings,
                           const HostnameResolver& resolver) {
    ControllerResult out;
    const ServiceHealthIndex health(state);

    // 1. Every Gslb's strategy and hosts (and the Ingress of an embedded spec).
    std::vector<GslbPlan> plans;
    plans.reserve(objects_of(state, kKindGslb).size());
    for (const auto& [key, object] : objects_of(state, kKindGslb)) {
        const nlohmann::json& gslb = *object;
        GslbPlan& plan = plans.emplace_back();
        plan.key = &key;
        plan.ns = object_namespace(gslb);
        plan.name = object_name(gslb);
        const std::string where = "Gslb " + key;
        if (settings.write_gslb_ingresses) {
            try {
                if (auto w = gslb_ingress_write(gslb, state.find(kKindIngress, plan.ns, plan.name)))
                    out.ingress_writes.push_back(std::move(*w));
            } catch (const Error& e) {
                plan.problems.push_back(where + ": " + e.what());
            }
        }
        try {
            plan.strategy = parse_gslb_strategy(gslb);
            plan.hosts = collect_hosts(rule_sources(state, gslb), resolver, where, plan.problems);
        } catch (const Error& e) {
            plan.problems.push_back(where + ": " + e.what() + " (skipped)");
            plan.skipped = true;
            plan.hosts.clear();
        }
    }

    // 2. A host is served by the first Gslb (in namespace/name order) that has it. Sorted by
    // name, then plan: the first of each run of equal names wins; the order is also the one
    // out.hosts must have.
    std::vector<HostRef> refs;
    size_t total = 0;
    for (const auto& plan : plans) total += plan.hosts.size();
    refs.reserve(total);
    for (uint32_t p = 0; p < plans.size(); ++p)
        for (uint32_t i = 0; i < plans[p].hosts.size(); ++i) refs.push_back({plans[p].hosts[i].first, p, i});
    std::sort(refs.begin(), refs.end(), [](const HostRef& a, const HostRef& b) {
        const int c = a.name.compare(b.name);
        return c != 0 ? c < 0 : a.plan < b.plan;
    });
    // Per plan and host: the plan serving it (its own index when it is the first).
    std::vector<std::vector<uint32_t>> served_by(plans.size());
    for (uint32_t p = 0; p < plans.size(); ++p) served_by[p].resize(plans[p].hosts.size());
    for (size_t i = 0; i < refs.size(); ++i) {
        const bool first = i == 0 || refs[i].name != refs[i - 1].name;
        served_by[refs[i].plan][refs[i].pos] = first ? refs[i].plan : served_by[refs[i - 1].plan][refs[i - 1].pos];
    }

    // 3. Health and status per Gslb, in order; the hosts themselves are made in step 4.
    std::vector<std::vector<HostHealth>> host_health(plans.size());
    for (uint32_t p = 0; p < plans.size(); ++p) {
        GslbPlan& plan = plans[p];
        const std::string& key = *plan.key;
        for (auto& problem : plan.problems) out.problems.push_back(std::move(problem));
        if (plan.skipped) continue;
        const std::string& ns = plan.ns;
        GslbStatusUpdate update{ns, plan.name, {}, nlohmann::json::object()};
        update.hosts.reserve(plan.hosts.size());
        host_health[p].resize(plan.hosts.size());
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
        for (uint32_t i = 0; i < plan.hosts.size(); ++i) {
            auto& [host, work] = plan.hosts[i];
            if (served_by[p][i] != p) {
                out.problems.push_back("Gslb " + key + ": host " + host + " is already served by Gslb " +
                                       *plans[served_by[p][i]].key);
                continue;
            }
            std::vector<HostHealth> services;
            services.reserve(work.services.size());
            nlohmann::json refs_json = nlohmann::json::array();
            for (const auto& svc : work.services) {
                services.push_back(service_health_of(svc));
                nlohmann::json ref = nlohmann::json::object();
                ref["name"] = svc;
                ref["namespace"] = ns;
                refs_json.push_back(std::move(ref));
            }
            const HostHealth h = combine(services, settings.policy);
            host_health[p][i] = h;
            if (h == HostHealth::Healthy) exposed.insert(work.targets.a.begin(), work.targets.a.end());
            service_health.emplace(host, to_string(h));
            nlohmann::json server = nlohmann::json::object();
            server["host"] = host;
            server["services"] = std::move(refs_json);
            servers.push_back(std::move(server));
            update.hosts.push_back(host);
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

    // 4. The served hosts, already in name order.
    out.hosts.reserve(refs.size());
    for (const HostRef& r : refs) {
        if (served_by[r.plan][r.pos] != r.plan) continue;
        GslbPlan& plan = plans[r.plan];
        GslbHost h;
        h.name = r.name;
        h.ttl = plan.strategy.ttl;
        h.strategy = plan.strategy.spec;
        h.health = host_health[r.plan][r.pos];
        h.owner = *plan.key;
        if (h.health == HostHealth::Healthy) h.local = std::move(plan.hosts[r.pos].second.targets);
        out.hosts.push_back(std::move(h));
    }

    for (const auto& [key, object] : objects_of(state, kKindIngress)) {
        const nlohmann::json& ingress = *object;
        if (state.find(kKindGslb, object_namespace(ingress), object_name(ingress))) continue;
        std::string problem;
        if (auto gslb = gslb_for_annotated(ingress, problem)) out.gslbs_to_create.push_back(std::move(*gslb));
        if (!problem.empty()) out.problems.push_back(problem);
    }

    return out;
}

}  // namespace xgslb
