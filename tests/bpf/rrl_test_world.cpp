#include "tests/bpf/rrl_test_world.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <atomic>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "maps/rrl_bucket_index.h"
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
    // Every slot of every CPU back to zero, which is a full bucket.
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw_errno("counting CPUs", -cpus);
    std::vector<uint32_t> keys(XGSLB_RRL_BUCKETS);
    for (uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
    const std::vector<xgslb_rrl_bucket> zeros(keys.size() * static_cast<size_t>(cpus));
    uint32_t count = static_cast<uint32_t>(keys.size());
    if (bpf_map_update_batch(program_->maps().rrl, keys.data(), zeros.data(), &count, nullptr) != 0)
        throw_errno("clearing " XGSLB_MAP_RRL, errno);
}

uint32_t RrlWorld::bucket_of(const std::string& client) const {
    xgslb_rrl_config config{};
    const uint32_t zero = 0;
    if (bpf_map_lookup_elem(program_->maps().rrl_config, &zero, &config) != 0)
        throw_errno("reading " XGSLB_MAP_RRL_CONFIG, errno);
    uint32_t words[4] = {};
    uint8_t family = XGSLB_FAMILY_IPV4;
    if (inet_pton(AF_INET, client.c_str(), words) == 1) {
        words[0] &= config.ipv4_mask;
    } else if (inet_pton(AF_INET6, client.c_str(), words) == 1) {
        family = XGSLB_FAMILY_IPV6;
        for (int i = 0; i < 4; ++i) words[i] &= config.ipv6_mask[i];
    } else {
        throw Error("not an address: " + client);
    }
    const xgslb_settings settings = program_->settings();
    return xgslb_rrl_bucket_index(family, words, settings.hash_seed);
}

xgslb_stats RrlWorld::stats() const { return read_stats(program_->maps().stats); }

RrlConfig rrl_config(uint32_t per_second, uint32_t slip) {
    RrlConfig r;
    r.responses_per_second = per_second;
    r.slip = slip;
    return r;
}

}  // namespace xgslb::test
