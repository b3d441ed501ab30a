#include "userspace/cluster/kube_decode.h"

#include "userspace/cluster/json_parse.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

// As nlohmann::json::parse(text, nullptr, false): discarded when the text is not JSON.
nlohmann::json parse_or_discarded(std::string_view text) {
    try {
        return parse_json(text);
    } catch (const nlohmann::json::exception&) {
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
}

}  // namespace

KubeListPage decode_list_page(const std::string& what, std::string_view body) {
    auto j = parse_or_discarded(body);
    if (j.is_discarded()) throw Error(what + ": the answer is not JSON");
    if (!j.is_object()) throw Error(what + ": the answer is not a JSON object");
    KubeListPage page;
    page.items = nlohmann::json::array();
    if (const nlohmann::json* items = json_at(j, {"items"}); items && !items->is_null()) {
        if (!items->is_array()) throw Error(what + ": items is not a list");
        // An item the API would never send (not an object, no name) would collide at key
        // "default/" with its like: dropped.
        for (auto& item : j["items"])
            if (item.is_object() && !object_name(item).empty()) page.items.push_back(std::move(item));
    }
    page.resource_version = json_string(j, {"metadata", "resourceVersion"});
    page.continue_token = json_string(j, {"metadata", "continue"});
    return page;
}

KubeWatchEvent decode_watch_event(const std::string& what, std::string_view line) {
    auto event = parse_or_discarded(line);
    if (event.is_discarded() || !event.is_object())
        throw Error(what + ": an event is not a JSON object: " + std::string(line.substr(0, 100)));
    KubeWatchEvent out;
    out.type = json_string(event, {"type"});
    if (auto it = event.find("object"); it != event.end()) out.object = std::move(*it);
    return out;
}

WatchStep apply_watch_event(const std::string& what, KubeWatchEvent event, std::map<std::string, ObjectPtr>& mirror,
                            std::string& resource_version) {
    if (event.type == "ERROR") {
        const nlohmann::json* code = json_at(event.object, {"code"});
        if (code && code->is_number_integer() && code->get<int64_t>() == 410) return WatchStep::Gone;
        const std::string message = json_string(event.object, {"message"});
        throw Error(what + ": ERROR event: " + (message.empty() ? "(no message)" : message));
    }
    if (!event.object.is_object() || !event.object.contains("metadata")) return WatchStep::Ignored;
    const std::string version = json_string(event.object, {"metadata", "resourceVersion"});
    if (event.type == "BOOKMARK") {
        if (!version.empty()) resource_version = version;
        return WatchStep::Bookmark;
    }
    if (event.type != "ADDED" && event.type != "MODIFIED" && event.type != "DELETED") return WatchStep::Ignored;
    if (object_name(event.object).empty()) return WatchStep::Ignored;  // as decode_list_page drops it
    std::string key = object_key(event.object);
    if (event.type == "DELETED")
        mirror.erase(key);
    else
        mirror[std::move(key)] = std::make_shared<const nlohmann::json>(std::move(event.object));
    if (!version.empty()) resource_version = version;
    return WatchStep::Applied;
}

}  // namespace xgslb
