// xgslbd: the node daemon. See userspace/daemon.h for its life cycle.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "userspace/config.h"
#include "userspace/daemon.h"
#include "userspace/log_format.h"

int main(int argc, char** argv) {
    CLI::App app{"xgslbd: GSLB DNS answered by XDP"};
    std::string config_path;
    bool check_only = false;
    app.add_option("-c,--config", config_path, "YAML configuration file")->required();
    app.add_flag("--check", check_only, "validate the configuration and exit");
    CLI11_PARSE(app, argc, argv);

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
