// xgslbctl status: what the running daemon reports over its control socket (program, mode,
// interfaces, map fill, last publish), so it works from any network namespace.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/ctl_commands.h"
#include "userspace/control_socket.h"

namespace xgslb::ctl {

int show_status(const std::string& instance, bool as_json) {
    const auto status = nlohmann::json::parse(control_request(control_socket_path(instance), "status"));
    if (as_json) {
        std::cout << status.dump(2) << "\n";
        return 0;
    }
    std::printf("instance     %s (%s)\n", status["instance"].get<std::string>().c_str(),
                status["ready"].get<bool>() ? "ready" : "not ready");
    if (status.contains("program"))
        std::printf("program      id %u, name %s, tag %s\n", status["program"]["id"].get<unsigned>(),
                    status["program"]["name"].get<std::string>().c_str(), status["program"]["tag"].get<std::string>().c_str());
    for (const auto& i : status["interfaces"])
        std::printf("interface    %s, %s mode\n", i["name"].get<std::string>().c_str(), i["mode"].get<std::string>().c_str());
    if (status["interfaces"].empty()) std::printf("interface    (none attached)\n");
    std::printf("pins         %s\n", status["pin_dir"].get<std::string>().c_str());
    for (const auto& m : status["maps"]) {
        const double entries = m["entries"].get<double>(), max = m["max"].get<double>();
        std::printf("map          %-16s %8.0f / %-8.0f (%.1f%%)\n", m["name"].get<std::string>().c_str(), entries, max,
                    max > 0 ? 100 * entries / max : 0.0);
    }
    if (status.contains("last_publish"))
        std::printf("last publish %s\n", status["last_publish"].get<std::string>().c_str());
    if (status.contains("slow_path")) {
        std::string listen;
        for (const auto& a : status["slow_path"]["listen"]) listen += " " + a.get<std::string>();
        std::printf("slow path    %u workers on%s\n", status["slow_path"]["workers"].get<unsigned>(), listen.c_str());
    }
    return 0;
}

}  // namespace xgslb::ctl
