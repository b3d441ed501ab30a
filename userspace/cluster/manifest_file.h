// One file of the manifests directory: YAML (multi-document, `kind: List` too) or JSON, turned
// into the objects the API server would serve, as JSON, so the controller sees one format.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace xgslb {

// A watched object of a manifest (Gslb, Ingress, Service, EndpointSlice); other kinds are
// skipped, as a watch of these kinds would never see them.
struct ManifestObject {
    std::string kind;
    std::string key;  // "namespace/name" ("default" when the manifest has no namespace)
    nlohmann::json object;
    int line = 0;     // where it starts, for messages
};

// Throws xgslb::Error "path:line: what" for a syntax error, or a watched object without a name.
// A path ending in .json is read as JSON (one object or a List), anything else as YAML.
std::vector<ManifestObject> parse_manifest_text(const std::string& text, const std::string& path);
std::vector<ManifestObject> load_manifest_file(const std::string& path);

// YAML 1.2 core schema as Kubernetes reads manifests: plain scalars that look like null, bools,
// integers or floats become those; quoted scalars stay strings. Throws xgslb::Error when aliases
// expand the document beyond a million nodes.
nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace xgslb
