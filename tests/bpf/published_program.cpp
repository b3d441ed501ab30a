#include "tests/bpf/published_program.h"

#include <unistd.h>

#include <utility>

#include "userspace/publisher.h"
#include "userspace/view_assembly.h"

namespace xgslb::test {

PublishedProgram::PublishedProgram(Config published, const std::string& name, uint32_t express_slots)
    : config(std::move(published)) {
    auto view = build_view(config, {}, {}, load_geo_regions(config.geoip));
    XdpProgram::Options options;
    options.instance = name + "-" + std::to_string(getpid());
    options.pin = false;
    options.udp_payload_size = config.dns.udp_payload_size;
    options.express_slots = express_slots;
    program = std::make_unique<XdpProgram>(options);
    const xgslb_settings s = program->settings();
    seed[0] = s.hash_seed[0];
    seed[1] = s.hash_seed[1];
    contents = build_map_contents(*view, seed);
    writer = std::make_unique<BpfMapWriter>(program->maps());
    Publisher(*writer).publish(contents);
}

}  // namespace xgslb::test
