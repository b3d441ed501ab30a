// Reading Kubernetes objects as JSON without exceptions: a missing or mistyped field is
// "absent", which is how the API's optional fields behave.
#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace xgslb {

// The value at a path of object keys, or nullptr when a step is missing or not an object.
const nlohmann::json* json_at(const nlohmann::json& j, std::initializer_list<const char*> path);
// The string at the path, or "" when absent or not a string.
std::string json_string(const nlohmann::json& j, std::initializer_list<const char*> path);

std::string object_namespace(const nlohmann::json& object);  // metadata.namespace, "default" if unset
std::string object_name(const nlohmann::json& object);       // metadata.name
std::string object_key(const nlohmann::json& object);        // "namespace/name"

// metav1.LabelSelector semantics (matchLabels and matchExpressions, ANDed; an empty selector
// matches everything). Throws xgslb::Error on an unknown operator.
bool selector_matches(const nlohmann::json& selector, const nlohmann::json& labels);

}  // namespace xgslb
