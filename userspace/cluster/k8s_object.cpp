#include "userspace/cluster/k8s_object.h"

#include <algorithm>

#include "userspace/error.h"

namespace xgslb {

const nlohmann::json* json_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* at = &j;
    for (const char* key : path) {
        if (!at->is_object()) return nullptr;
        const auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

std::string json_string(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* v = json_at(j, path);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string object_namespace(const nlohmann::json& object) {
    std::string ns = json_string(object, {"metadata", "namespace"});
    return ns.empty() ? "default" : ns;
}

std::string object_name(const nlohmann::json& object) { return json_string(object, {"metadata", "name"}); }

std::string object_key(const nlohmann::json& object) { return object_namespace(object) + "/" + object_name(object); }

namespace {

bool requirement_matches(const nlohmann::json& req, const nlohmann::json& labels) {
    const std::string key = json_string(req, {"key"});
    const std::string op = json_string(req, {"operator"});
    const nlohmann::json* label = json_at(labels, {key.c_str()});
    const bool has = label && label->is_string();
    std::vector<std::string> values;
    if (const nlohmann::json* v = json_at(req, {"values"}); v && v->is_array())
        for (const auto& s : *v)
            if (s.is_string()) values.push_back(s.get<std::string>());
    const bool in = has && std::find(values.begin(), values.end(), label->get<std::string>()) != values.end();
    if (op == "In") return in;
    if (op == "NotIn") return !in;
    if (op == "Exists") return has;
    if (op == "DoesNotExist") return !has;
    throw Error("label selector: unknown operator '" + op + "'");
}

}  // namespace

bool selector_matches(const nlohmann::json& selector, const nlohmann::json& labels) {
    static const nlohmann::json kNone = nlohmann::json::object();
    const nlohmann::json& have = labels.is_object() ? labels : kNone;
    if (const nlohmann::json* ml = json_at(selector, {"matchLabels"}); ml && ml->is_object())
        for (const auto& [k, v] : ml->items()) {
            const auto it = have.find(k);
            if (it == have.end() || *it != v) return false;
        }
    if (const nlohmann::json* me = json_at(selector, {"matchExpressions"}); me && me->is_array())
        for (const auto& req : *me)
            if (!requirement_matches(req, have)) return false;
    return true;
}

}  // namespace xgslb
