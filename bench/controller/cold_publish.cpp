// The back half of a cold start, alone and repeatable: HOSTS GSLB hosts shaped like
// make_hosts.py's (Gslbs of 100 hosts, roundRobin, one load-balancer IP per Gslb, all healthy)
// go through build_view -> build_map_contents -> Publisher(BpfMapWriter) into the maps of a
// fresh, private (unpinned) xgslb program, as xgslbd's model loop does on its first step. Then
// `--changes` single-host changes are published into the same maps (the incremental path must
// not get slower). Prints wall and CPU time per stage and VmHWM. Needs root (BPF maps).
//
//   cold_publish [--hosts 100000] [--rounds 3] [--changes 5]
#include <sys/resource.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "userspace/config.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/view_assembly.h"
#include "userspace/xdp_program.h"

namespace {

using namespace xgslb;
using Clock = std::chrono::steady_clock;

double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long vm_hwm_kb() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

struct Stopwatch {
    Clock::time_point wall = Clock::now();
    double cpu = process_cpu_ms();
    // Wall and process CPU milliseconds since the last lap.
    std::pair<double, double> lap() {
        const auto w = Clock::now();
        const double c = process_cpu_ms();
        const std::pair<double, double> out{std::chrono::duration<double, std::milli>(w - wall).count(), c - cpu};
        wall = w;
        cpu = c;
        return out;
    }
};

std::vector<GslbHost> make_hosts(size_t n) {
    std::vector<GslbHost> hosts(n);
    for (size_t h = 0; h < n; ++h) {
        const size_t g = h / 100;
        GslbHost& host = hosts[h];
        host.name = "h" + std::to_string(h) + ".cloud.example.com";
        host.ttl = 30;
        host.health = HostHealth::Healthy;
        host.local.a = {Ipv4Address{172, static_cast<uint8_t>(16 + g / 65536 % 16), static_cast<uint8_t>(g / 256 % 256),
                                    static_cast<uint8_t>(g % 256)}};
        host.owner = "bench/g" + std::to_string(g);
    }
    return hosts;
}

Config make_config(size_t hosts) {
    const std::string max = std::to_string(hosts * 2 + 1024);
    return parse_config("instance: cold-publish\ngeoTag: eu\nzones: [{zone: cloud.example.com}]\n"
                        "dns: {listen: [\"10.77.0.2:53\"]}\n"
                        "xdp: {interfaces: [], maxNames: " + max + ", maxRrsets: " + max + "}\n",
                        "cold_publish.yaml");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cold start of the publish path: build_view -> map contents -> BPF maps"};
    size_t hosts = 100000, rounds = 3, changes = 5;
    app.add_option("--hosts", hosts);
    app.add_option("--rounds", rounds, "cold starts, each into fresh maps");
    app.add_option("--changes", changes, "single-host changes published after each cold start");
    CLI11_PARSE(app, argc, argv);

    const Config config = make_config(hosts);
    std::vector<GslbHost> list = make_hosts(hosts);
    for (size_t r = 0; r < rounds; ++r) {
        XdpProgram::Options options;
        options.instance = "cold-publish-" + std::to_string(getpid());
        options.pin = false;
        options.max_names = options.max_rrsets = static_cast<uint32_t>(hosts * 2 + 1024);
        XdpProgram program(options);
        BpfMapWriter writer(program.maps());
        Publisher publisher(writer);
        const xgslb_settings settings = program.settings();
        const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};

        Stopwatch sw;
        auto view = build_view(config, list, {}, nullptr);
        const auto [view_wall, view_cpu] = sw.lap();
        MapContents contents = build_map_contents(*view, seed);
        const auto [contents_wall, contents_cpu] = sw.lap();
        const PublishStats stats = publisher.publish(std::move(contents));
        const auto [publish_wall, publish_cpu] = sw.lap();
        std::printf("cold hosts=%zu writes=%zu build_view %.0f ms (cpu %.0f) map_contents %.0f ms (cpu %.0f) "
                    "publish %.0f ms (cpu %.0f) total %.0f ms (cpu %.0f) VmHWM %ld kB\n",
                    hosts, stats.writes(), view_wall, view_cpu, contents_wall, contents_cpu, publish_wall, publish_cpu,
                    view_wall + contents_wall + publish_wall, view_cpu + contents_cpu + publish_cpu, vm_hwm_kb());

        // One host's target moves, as an EndpointSlice change would do it: the whole step again.
        std::vector<double> step_ms;
        for (size_t c = 0; c < changes; ++c) {
            GslbHost& moved = list[(c * 7919) % hosts];
            moved.local.a[0][3] ^= 0x80;
            Stopwatch step;
            auto next = build_view(config, list, {}, nullptr);
            const PublishStats s = publisher.publish(build_map_contents(*next, seed));
            view = std::move(next);  // the old view is freed here, as the daemon frees it
            step_ms.push_back(step.lap().first);
            // The host's set and its localtargets- set.
            if (s.writes() != 2) {
                std::fprintf(stderr, "a one-host change wrote %zu entries, not 2\n", s.writes());
                return 1;
            }
        }
        if (!step_ms.empty()) {
            std::sort(step_ms.begin(), step_ms.end());
            std::printf("change: %zu single-host changes, step (build_view + contents + publish) median %.1f ms, "
                        "min %.1f, max %.1f\n",
                        step_ms.size(), step_ms[step_ms.size() / 2], step_ms.front(), step_ms.back());
        }
    }
    return 0;
}
