// Instruction counts of the slow path's answerer, without sockets: the benchmark's query mix
// (bench/fixtures/slow_path_queries.txt, with EDNS as `dnsperf -e` sends it) answered in a loop
// from the view of a config file. Run under `valgrind --tool=callgrind` for repeatable counts:
//   answerer_loop CONFIG QUERIES [ITERATIONS]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "userspace/config.h"
#include "userspace/dns_answerer.h"
#include "userspace/dns_name.h"
#include "userspace/zone_view.h"

namespace {

uint16_t type_code(const std::string& t) {
    if (t == "A") return 1;
    if (t == "NS") return 2;
    if (t == "CNAME") return 5;
    if (t == "SOA") return 6;
    if (t == "TXT") return 16;
    if (t == "AAAA") return 28;
    if (t == "DS") return 43;
    if (t == "ANY") return 255;
    return 1;
}

std::vector<uint8_t> make_query(uint16_t id, const std::string& name, uint16_t qtype) {
    std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
    const xgslb::WireName wire = xgslb::name_to_wire(name);
    q.insert(q.end(), wire.begin(), wire.end());
    q.insert(q.end(), {uint8_t(qtype >> 8), uint8_t(qtype), 0, 1});
    // OPT: root owner, payload 4096, no options (dnsperf -e)
    q.insert(q.end(), {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0});
    return q;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s CONFIG QUERIES [ITERATIONS]\n", argv[0]);
        return 2;
    }
    const long iterations = argc > 3 ? std::stol(argv[3]) : 10000;
    const xgslb::Config config = xgslb::load_config(argv[1]);
    const auto view = xgslb::ZoneView::build(config);
    xgslb::AnswererSettings settings;
    settings.udp_payload_size = config.dns.udp_payload_size;
    const xgslb::Answerer answerer(settings);

    std::vector<std::vector<uint8_t>> queries;
    std::ifstream in(argv[2]);
    std::string line;
    uint16_t id = 1;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, type;
        if (!(fields >> name >> type)) continue;
        queries.push_back(make_query(id++, name, type_code(type)));
    }
    xgslb::QueryContext context;
    context.transport = xgslb::Transport::udp;
    auto* sin = reinterpret_cast<sockaddr_in*>(&context.client);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0x0a4d0001);
    context.now = 1700000000;

    // As a server worker does: each response into a buffer that is reused.
    size_t bytes = 0;
    std::vector<uint8_t> response;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i)
        for (const auto& q : queries)
            if (answerer.answer_into(q, context, *view, response)) bytes += response.size();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    const double n = double(iterations) * double(queries.size());
    std::printf("%zu queries x %ld: %.1f ns/query, %zu response bytes\n", queries.size(), iterations, ns / n, bytes);
    return 0;
}
