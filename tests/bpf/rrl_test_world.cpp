#include "tests/bpf/rrl_test_world.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <atomic>

#include "maps/bpf_map_writer.h"
#include "maps/rrl_map_writer.h"
#include "userspace/error.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/rrl_contents.h"

namespace xgslb::test {

RrlWorld::RrlWorld() {
    if (sched_getaffinity(0, sizeof saved_affinity_, &saved_affinity_) != 0) throw_errno("sched_getaffinity", errno);
    int cpu = sched_getcpu();
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu < 0 ? 0 : cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) throw_errno("sched_setaffinity", errno);

    static std::atomic<int> serial{0};
    const Config config = load_config(kFixture);
    const auto view = ZoneView::build(config);
    XdpProgram::Options options;
    options.instance = "rrl-test-" + std::to_string(getpid()) + "-" + std::to_string(serial++);
    options.pin = false;
    options.udp_payload_size = config.dns.udp_payload_size;
    program_ = std::make_unique<XdpProgram>(options);
    const xgslb_settings settings = program_->settings();
    const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};
    BpfMapWriter writer(program_->maps());
    Publisher(writer).publish(build_map_contents(*view, seed));
    RrlConfig off;
    off.responses_per_second = 0;
    configure(off);
}

RrlWorld::~RrlWorld() { sched_setaffinity(0, sizeof saved_affinity_, &saved_affinity_); }

void RrlWorld::configure(const RrlConfig& rrl) { write_rrl_maps(program_->maps(), build_rrl_contents(rrl)); }

void RrlWorld::forget_clients() {
    xgslb_rrl_key key{};
    while (bpf_map_get_next_key(program_->maps().rrl, nullptr, &key) == 0)
        if (bpf_map_delete_elem(program_->maps().rrl, &key) != 0) throw_errno("erasing from " XGSLB_MAP_RRL, errno);
}

xgslb_stats RrlWorld::stats() const { return read_stats(program_->maps().stats); }

RrlConfig rrl_config(uint32_t per_second, uint32_t slip) {
    RrlConfig r;
    r.responses_per_second = per_second;
    r.slip = slip;
    return r;
}

}  // namespace xgslb::test
