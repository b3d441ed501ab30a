#include "userspace/cluster/json_parse.h"

#include <simdjson.h>

namespace xgslb {

namespace {

// nlohmann's lexer types every non-negative integer unsigned and only negative ones signed;
// simdjson types by range. The tree follows nlohmann, so is_number_unsigned() reads the same.
nlohmann::json to_json(simdjson::dom::element e) {
    using Type = simdjson::dom::element_type;
    switch (e.type()) {
    case Type::OBJECT: {
        nlohmann::json o = nlohmann::json::object();
        auto& map = o.get_ref<nlohmann::json::object_t&>();
        // The last of duplicate keys wins, as in nlohmann's parser.
        for (auto field : simdjson::dom::object(e)) map[std::string(field.key)] = to_json(field.value);
        return o;
    }
    case Type::ARRAY: {
        nlohmann::json a = nlohmann::json::array();
        auto& vec = a.get_ref<nlohmann::json::array_t&>();
        const simdjson::dom::array array(e);
        vec.reserve(array.size());
        for (auto item : array) vec.push_back(to_json(item));
        return a;
    }
    case Type::STRING: return std::string(std::string_view(e));
    case Type::INT64: {
        const int64_t v = int64_t(e);
        if (v >= 0) return static_cast<uint64_t>(v);
        return v;
    }
    case Type::UINT64: return uint64_t(e);
    case Type::DOUBLE: return double(e);
    case Type::BOOL: return bool(e);
    case Type::NULL_VALUE: return nullptr;
    }
    return nullptr;
}

}  // namespace

nlohmann::json parse_json(std::string_view text) {
    // A parser per thread keeps its buffers (sized to the largest document) between files.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    // The padded copy simdjson needs is one memcpy of the text.
    const simdjson::padded_string padded(text);
    if (parser.parse(padded).get(root) != simdjson::SUCCESS) return nlohmann::json::parse(text);
    return to_json(root);
}

}  // namespace xgslb
