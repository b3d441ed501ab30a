#include "userspace/cluster/gslb_ingress.h"

#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

// kubectl's copy of the applied Gslb describes the Gslb, not the Ingress: copying it would make
// `kubectl apply` of the Ingress (were anyone to do that) compute its diff from the wrong object.
constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

nlohmann::json wanted_annotations(const nlohmann::json& gslb) {
    nlohmann::json out = nlohmann::json::object();
    if (const nlohmann::json* a = json_at(gslb, {"metadata", "annotations"}); a && a->is_object())
        for (const auto& [k, v] : a->items())
            if (k != kLastApplied && v.is_string()) out[k] = v;
    const std::string type = json_string(gslb, {"spec", "strategy", "type"});
    if (!type.empty()) out["k8gb.io/strategy"] = type;
    const std::string primary = json_string(gslb, {"spec", "strategy", "primaryGeoTag"});
    if (!primary.empty()) out["k8gb.io/primary-geotag"] = primary;
    return out;
}

bool has_annotations(const nlohmann::json& object, const nlohmann::json& wanted) {
    const nlohmann::json* have = json_at(object, {"metadata", "annotations"});
    for (const auto& [k, v] : wanted.items())
        if (!have || !have->is_object() || !have->contains(k) || (*have)[k] != v) return false;
    return true;
}

nlohmann::json owner_reference(const nlohmann::json& gslb) {
    nlohmann::json ref = {{"apiVersion", json_string(gslb, {"apiVersion"}).empty() ? "k8gb.absa.oss/v1beta1"
                                                                                    : json_string(gslb, {"apiVersion"})},
                          {"kind", "Gslb"},
                          {"name", object_name(gslb)},
                          {"controller", true},
                          {"blockOwnerDeletion", true}};
    // The API requires the owner's uid; a Gslb from a manifest file may have none.
    if (const std::string uid = json_string(gslb, {"metadata", "uid"}); !uid.empty()) ref["uid"] = uid;
    return ref;
}

// The controller among `object`'s owners, if any.
const nlohmann::json* controller_of(const nlohmann::json& object) {
    const nlohmann::json* refs = json_at(object, {"metadata", "ownerReferences"});
    if (!refs || !refs->is_array()) return nullptr;
    for (const auto& r : *refs)
        if (const nlohmann::json* c = json_at(r, {"controller"}); c && c->is_boolean() && c->get<bool>()) return &r;
    return nullptr;
}

bool is_owned_by(const nlohmann::json& ref, const nlohmann::json& gslb) {
    if (json_string(ref, {"kind"}) != "Gslb" || json_string(ref, {"name"}) != object_name(gslb)) return false;
    const std::string uid = json_string(gslb, {"metadata", "uid"}), ref_uid = json_string(ref, {"uid"});
    return uid.empty() || ref_uid.empty() || uid == ref_uid;
}

}  // namespace

std::optional<GslbIngressWrite> gslb_ingress_write(const nlohmann::json& gslb, const nlohmann::json* current) {
    const nlohmann::json* spec = json_at(gslb, {"spec", "ingress"});
    const nlohmann::json* ref = json_at(gslb, {"spec", "resourceRef"});
    if (!spec || !spec->is_object() || (ref && ref->is_object() && !ref->empty())) return std::nullopt;
    const nlohmann::json annotations = wanted_annotations(gslb);

    if (!current) {
        return GslbIngressWrite{
            true, {{"apiVersion", "networking.k8s.io/v1"},
                   {"kind", "Ingress"},
                   {"metadata", {{"name", object_name(gslb)}, {"namespace", object_namespace(gslb)},
                                 {"annotations", annotations},
                                 {"ownerReferences", nlohmann::json::array({owner_reference(gslb)})}}},
                   {"spec", *spec}}};
    }
    if (const nlohmann::json* owner = controller_of(*current); owner && !is_owned_by(*owner, gslb))
        throw Error("Ingress " + object_key(*current) + " is controlled by " + json_string(*owner, {"kind"}) + " " +
                    json_string(*owner, {"name"}) + ", not by the Gslb of that name: not written");
    const nlohmann::json* current_spec = json_at(*current, {"spec"});
    if (current_spec && *current_spec == *spec && has_annotations(*current, annotations)) return std::nullopt;
    // Like k8gb: the Ingress found, with the Gslb's spec and its annotations merged in; the rest
    // (labels, other annotations, owners, the resourceVersion read) as it was.
    GslbIngressWrite w{false, *current};
    w.object["spec"] = *spec;
    for (const auto& [k, v] : annotations.items()) w.object["metadata"]["annotations"][k] = v;
    w.object.erase("status");  // not ours, and a PUT of the object ignores it anyway
    return w;
}

}  // namespace xgslb
