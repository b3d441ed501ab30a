// JSON text to nlohmann::json, fast: simdjson validates and tokenizes (an order of magnitude
// faster than nlohmann's character-at-a-time lexer, which was most of reading 100k hosts of
// manifests) and the tree is built from its DOM. A document simdjson refuses (a syntax error,
// an integer beyond 64 bits, a number beyond double's range, a byte-order mark, nesting deeper
// than 1024) is parsed again by nlohmann, so what is accepted, the values and the errors are
// nlohmann's. (One difference: "-0" becomes an unsigned 0, not a signed one; they compare equal
// and dump alike.)
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace xgslb {

// Throws nlohmann::json::parse_error, as nlohmann::json::parse(text) does.
nlohmann::json parse_json(std::string_view text);

}  // namespace xgslb
