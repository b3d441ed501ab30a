// xgslbd: the node daemon. See userspace/daemon.h for its life cycle.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "userspace/capabilities.h"
#include "userspace/config.h"
#include "userspace/daemon.h"
#include "userspace/log_format.h"

int main(int argc, char** argv) {
    CLI::App app{"xgslbd: GSLB DNS answered by XDP"};
    std::string config_path;
    bool check_only = false;
    bool print_capabilities = false;
    auto* config_option = app.add_option("-c,--config", config_path, "YAML configuration file");
    app.add_flag("--check", check_only, "validate the configuration and exit");
    // The deployment files (systemd unit, DaemonSet, Helm chart) are tested against this.
    app.add_flag("--capabilities", print_capabilities,
                 "print the capabilities needed at start and kept after it (JSON) and exit");
    CLI11_PARSE(app, argc, argv);
    if (print_capabilities) {
        const auto& policy = xgslb::capability_policy();
        std::printf("{\"start\": \"%s\", \"runtime\": \"%s\"}\n",
                    xgslb::capability_names(xgslb::capability_mask(policy.start)).c_str(),
                    xgslb::capability_names(xgslb::capability_mask(policy.runtime)).c_str());
        return 0;
    }
    if (config_option->count() == 0) {
        std::fprintf(stderr, "--config is required\n");
        return 2;
    }

    xgslb::apply_log_format("text");  // until the config says otherwise
    try {
        if (check_only) {
            const xgslb::Config config = xgslb::load_config(config_path);
            spdlog::info("{}: valid (instance={}, zones={}, records={})", config_path, config.instance,
                         config.zones.size(), config.records.size());
            return 0;
        }
        xgslb::Daemon daemon(config_path);
        return daemon.run();
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
}
