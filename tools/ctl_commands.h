// xgslbctl's subcommands, one file each (tools/ctl_*.cpp); xgslbctl.cpp parses the command
// line and calls them. Each returns the exit status and throws xgslb::Error on failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xgslb::ctl {

int show_status(const std::string& instance, bool as_json);
int watch_stats(const std::string& instance, bool as_json, double interval_s, unsigned count);

struct LookupOptions {
    std::string name;
    std::string type = "A";
    std::optional<std::string> client;
    std::optional<std::string> ecs;
    std::optional<std::string> server;  // default: the first published listen address
};
int lookup(const std::string& instance, const LookupOptions& options, bool as_json);

// Detaches the instance's program from every interface of this network namespace and removes
// its pins; refuses while its daemon runs (stop it, or it would reattach).
int detach(const std::string& instance, bool as_json);

}  // namespace xgslb::ctl
