// The Kubernetes API's JSON as the client reads it, apart from HTTP so it can be fuzzed
// (tests/fuzz/kube_json_fuzz.cpp): a list page, a watch event line, and an event applied to a
// reflector's mirror. Whatever the bytes, these return or throw xgslb::Error with a message
// naming what was wrong — never a JSON library exception, which would otherwise escape through
// libcurl's C callbacks.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "userspace/cluster/cluster_source.h"

namespace xgslb {

struct KubeListPage {
    nlohmann::json items;          // array of objects with metadata.name (others dropped)
    std::string resource_version;  // of the list (the whole list, for every page)
    std::string continue_token;    // "" on the last page
};

// `what`: "list gslbs", for messages.
KubeListPage decode_list_page(const std::string& what, std::string_view body);

struct KubeWatchEvent {
    std::string type;        // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR (others are ignored)
    nlohmann::json object;   // null when absent
};

// One line of a watch stream. Throws when it is not a JSON object.
KubeWatchEvent decode_watch_event(const std::string& what, std::string_view line);

enum class WatchStep {
    Applied,   // the mirror changed
    Ignored,   // nothing to apply (unknown type, an object without metadata)
    Bookmark,  // only the resource version advanced
    Gone,      // ERROR 410: the version is too old, list again
};

// Applies an event to a mirror ("namespace/name" -> object, shared with the snapshots made of
// it) and advances resource_version.
// Throws for an ERROR event other than 410.
WatchStep apply_watch_event(const std::string& what, KubeWatchEvent event, std::map<std::string, ObjectPtr>& mirror,
                            std::string& resource_version);

}  // namespace xgslb
