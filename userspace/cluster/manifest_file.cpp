#include "userspace/cluster/manifest_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

bool is_watched(const std::string& kind) {
    return kind == kKindGslb || kind == kKindIngress || kind == kKindService || kind == kKindEndpointSlice;
}

nlohmann::json plain_scalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    int64_t i = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    if (auto [end, ec] = std::from_chars(begin, s.data() + s.size(), i); ec == std::errc() && end == s.data() + s.size())
        return i;
    static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    const char c = s[0];
    if ((std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') && std::regex_match(s, kFloat))
        return std::stod(s);
    return s;
}

void add_object(const YAML::Node& node, const std::string& path, std::vector<ManifestObject>& out) {
    const int line = node.Mark().is_null() ? 1 : node.Mark().line + 1;
    const std::string where = path + ":" + std::to_string(line);
    if (!node.IsMap()) throw Error(where + ": expected a Kubernetes object (a mapping with kind and metadata)");
    nlohmann::json object = yaml_to_json(node);
    const std::string kind = json_string(object, {"kind"});
    if (kind.empty()) throw Error(where + ": object without kind");
    if (kind == "List") {
        const YAML::Node items = node["items"];
        if (items && !items.IsNull()) {
            if (!items.IsSequence()) throw Error(where + ": List items: expected a list");
            for (const auto& item : items) add_object(item, path, out);
        }
        return;
    }
    if (!is_watched(kind)) return;
    if (object_name(object).empty()) throw Error(where + ": " + kind + " without metadata.name");
    out.push_back({kind, object_key(object), std::move(object), line});
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar:
        // yaml-cpp tags plain scalars "?" and quoted ones "!".
        return node.Tag() == "?" ? plain_scalar(node.Scalar()) : nlohmann::json(node.Scalar());
    case YAML::NodeType::Sequence: {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& item : node) a.push_back(yaml_to_json(item));
        return a;
    }
    case YAML::NodeType::Map: {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& kv : node) o[kv.first.Scalar()] = yaml_to_json(kv.second);
        return o;
    }
    }
    return nullptr;
}

namespace {

// JSON manifests skip yaml-cpp (an order of magnitude slower on large files): one object or a
// List, as `kubectl get -o json` writes them.
void add_json_object(nlohmann::json object, const std::string& path, std::vector<ManifestObject>& out) {
    const std::string where = path + ":1";
    if (!object.is_object()) throw Error(where + ": expected a Kubernetes object");
    const std::string kind = json_string(object, {"kind"});
    if (kind.empty()) throw Error(where + ": object without kind");
    if (kind == "List") {
        if (object.contains("items") && object["items"].is_array())
            for (auto& item : object["items"]) add_json_object(std::move(item), path, out);
        return;
    }
    if (!is_watched(kind)) return;
    if (object_name(object).empty()) throw Error(where + ": " + kind + " without metadata.name");
    std::string key = object_key(object);
    out.push_back({kind, std::move(key), std::move(object), 1});
}

std::vector<ManifestObject> parse_json_text(const std::string& text, const std::string& path) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        const size_t upto = std::min(e.byte, text.size());
        const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(upto), '\n');
        throw Error(path + ":" + std::to_string(line) + ": JSON syntax: " + e.what());
    }
    std::vector<ManifestObject> out;
    add_json_object(std::move(doc), path, out);
    return out;
}

}  // namespace

std::vector<ManifestObject> parse_manifest_text(const std::string& text, const std::string& path) {
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) return parse_json_text(text, path);
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
        const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
        throw Error(path + ":" + std::to_string(line) + ": YAML syntax: " + e.msg);
    }
    std::vector<ManifestObject> out;
    for (const auto& doc : docs)
        if (doc && !doc.IsNull()) add_object(doc, path, out);  // "---" with nothing after is fine
    return out;
}

std::vector<ManifestObject> load_manifest_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_manifest_text(text.str(), path);
}

}  // namespace xgslb
