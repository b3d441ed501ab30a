#include "userspace/cluster/manifest_file.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/json_parse.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

bool is_watched(const std::string& kind) {
    return kind == kKindGslb || kind == kKindIngress || kind == kKindService || kind == kKindEndpointSlice;
}

// YAML 1.2 core schema's int ([-+]?[0-9]+) and float ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?),
// matched by hand: std::regex recurses per character and overflows the stack on long scalars.
bool digits(const std::string& s, size_t& i) {
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
}

bool is_core_float(const std::string& s) {
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits(s, i)) return false;
    } else {
        if (!digits(s, i)) return false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits(s, i);
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        if (!digits(s, i)) return false;
    }
    return i == s.size();
}

nlohmann::json plain_scalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    if (!is_core_float(s)) return s;  // every core int is a core float too
    int64_t i = 0;
    // from_chars takes '-' but not '+'.
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    if (auto [end, ec] = std::from_chars(begin, s.data() + s.size(), i); ec == std::errc() && end == s.data() + s.size())
        return i;
    // A float, or an int too large for int64 (as JSON decoders read it). Out of double's range
    // (1e999) it stays the text it was: JSON has no infinity, and the typed readers downstream
    // reject a string where they want a number, with the field's name.
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) return s;
    return d;
}

void add_object(const YAML::Node& node, const std::string& path, std::vector<ManifestObject>& out) {
    const int line = node.Mark().is_null() ? 1 : node.Mark().line + 1;
    const std::string where = path + ":" + std::to_string(line);
    if (!node.IsMap()) throw Error(where + ": expected a Kubernetes object (a mapping with kind and metadata)");
    nlohmann::json object;
    try {
        object = yaml_to_json(node);
    } catch (const Error& e) {
        throw Error(where + ": " + e.what());
    }
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

namespace {

// An alias is the node it names, so a few kilobytes of anchors nesting aliases ("billion
// laughs") expand to billions of nodes. Kubernetes' YAML reader refuses such documents too.
constexpr size_t kMaxExpandedNodes = 1000000;

// Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points above U+10FFFF). yaml-cpp
// passes other octets through; JSON strings cannot hold them (dumping one throws), and the API
// server would have refused the object.
bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // cut short
        for (size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = cp << 6 | (cc & 0x3f);
        }
        static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

const std::string& checked_utf8(const std::string& s) {
    if (!valid_utf8(s)) throw Error("a string that is not UTF-8: " + std::to_string(s.size()) + " octets");
    return s;
}

nlohmann::json to_json(const YAML::Node& node, size_t& budget) {
    if (budget == 0) throw Error("more than " + std::to_string(kMaxExpandedNodes) + " nodes once aliases are expanded");
    --budget;
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar:
        // yaml-cpp tags plain scalars "?" and quoted ones "!".
        return node.Tag() == "?" ? plain_scalar(checked_utf8(node.Scalar())) : nlohmann::json(checked_utf8(node.Scalar()));
    case YAML::NodeType::Sequence: {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& item : node) a.push_back(to_json(item, budget));
        return a;
    }
    case YAML::NodeType::Map: {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& kv : node) o[checked_utf8(kv.first.Scalar())] = to_json(kv.second, budget);
        return o;
    }
    }
    return nullptr;
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
    size_t budget = kMaxExpandedNodes;
    return to_json(node, budget);
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
        doc = parse_json(text);
    } catch (const nlohmann::json::parse_error& e) {
        const size_t upto = std::min(e.byte, text.size());
        const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(upto), '\n');
        throw Error(path + ":" + std::to_string(line) + ": JSON syntax: " + e.what());
    } catch (const nlohmann::json::exception& e) {
        // A number beyond double's range (out_of_range.406): an error like any bad file, not an
        // exception that would end the parsing thread, and the daemon with it.
        throw Error(path + ":1: JSON: " + e.what());
    }
    std::vector<ManifestObject> out;
    add_json_object(std::move(doc), path, out);
    return out;
}

// yaml-cpp 0.7 loops forever, allocating nodes, on some malformed documents (found by
// tests/fuzz/manifests_fuzz.cpp: e.g. a stray ',' before a block mapping), which would hang the
// manifests source's thread and grow it until killed. A first pass through the parser counts
// its events against a budget no real document reaches (every event consumes input), so such
// a file becomes an error instead.
class EventBudget : public YAML::EventHandler {
public:
    struct Exhausted {};
    explicit EventBudget(size_t budget) : left_(budget) {}
    void OnDocumentStart(const YAML::Mark&) override { spend(); }
    void OnDocumentEnd() override { spend(); }
    void OnNull(const YAML::Mark&, YAML::anchor_t) override { spend(); }
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override { spend(); }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { spend(); }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        spend();
    }
    void OnSequenceEnd() override { spend(); }
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        spend();
    }
    void OnMapEnd() override { spend(); }

private:
    void spend() {
        if (left_ == 0) throw Exhausted{};
        --left_;
    }
    size_t left_;
};

void check_parser_terminates(const std::string& text, const std::string& path) {
    EventBudget budget(4 * text.size() + 64);
    std::istringstream in(text);
    try {
        YAML::Parser parser(in);
        while (parser.HandleNextDocument(budget)) {
        }
    } catch (const EventBudget::Exhausted&) {
        throw Error(path + ":1: YAML syntax: the parser does not terminate on this text (yaml-cpp 0.7 bug)");
    }
    // Syntax errors (YAML::Exception) are left to the real parse, which reports them located.
    catch (const YAML::Exception&) {
    }
}

}  // namespace

std::vector<ManifestObject> parse_manifest_text(const std::string& text, const std::string& path) {
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) return parse_json_text(text, path);
    check_parser_terminates(text, path);
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
