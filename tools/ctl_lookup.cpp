// xgslbctl lookup: what the loaded XDP program would answer. A query frame is crafted and run
// through the program itself (BPF_PROG_TEST_RUN, once: repeat > 1 would rerun on the already
// rewritten buffer) against the live maps; the answer is decoded, or the pass reason read from
// the counter that moved. Traffic on other CPUs can move counters too: every reason that moved
// is listed.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <ldns/ldns.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "maps/pinned_maps.h"
#include "tools/ctl_commands.h"
#include "tools/query_frame.h"
#include "userspace/control_socket.h"
#include "userspace/error.h"

namespace xgslb::ctl {
namespace {

using nlohmann::json;

std::string listen_address_text(const xgslb_listen_key& k) {
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(k.family == XGSLB_FAMILY_IPV6 ? AF_INET6 : AF_INET, k.addr, text, sizeof text);
    return text;
}

// The program the daemon runs (its id from the control socket), as an fd.
int program_fd(const std::string& instance) {
    const auto status = json::parse(control_request(control_socket_path(instance), "status"));
    if (!status.contains("program")) throw Error("the daemon did not report its program");
    const int fd = bpf_prog_get_fd_by_id(status["program"]["id"].get<uint32_t>());
    if (fd < 0) throw_errno("opening program id " + std::to_string(status["program"]["id"].get<uint32_t>()), errno);
    return fd;
}

json decode_response(const std::vector<uint8_t>& payload, std::string& text) {
    ldns_pkt* pkt = nullptr;
    if (ldns_wire2pkt(&pkt, payload.data(), payload.size()) != LDNS_STATUS_OK) throw Error("undecodable response");
    char* s = ldns_pkt2str(pkt);
    text = s ? s : "";
    free(s);
    json out = {{"rcode", ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt))}, {"aa", ldns_pkt_aa(pkt) != 0}};
    auto section = [&](ldns_rr_list* list, const char* key) {
        out[key] = json::array();
        for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
            char* rr = ldns_rr2str(ldns_rr_list_rr(list, i));
            std::string line = rr ? rr : "";
            free(rr);
            while (!line.empty() && line.back() == '\n') line.pop_back();
            out[key].push_back(line);
        }
    };
    section(ldns_pkt_answer(pkt), "answer");
    section(ldns_pkt_authority(pkt), "authority");
    ldns_pkt_free(pkt);
    return out;
}

}  // namespace

int lookup(const std::string& instance, const LookupOptions& options, bool as_json) {
    PinnedMaps maps(instance);
    QuerySpec spec;
    spec.name = options.name;
    const ldns_rr_type type = ldns_get_rr_type_by_name(options.type.c_str());
    if (type == 0) throw Error("unknown type " + options.type);
    spec.qtype = static_cast<uint16_t>(type);
    spec.ecs = options.ecs;
    if (options.server) {
        spec.server = *options.server;
    } else {
        const xgslb_listen_set set = read_listen_set(maps.fds().listen);
        if (set.count == 0) throw Error("no listen address published; give --server");
        const bool want_v6 = options.client && options.client->find(':') != std::string::npos;
        const xgslb_listen_key* pick = &set.keys[0];
        for (uint32_t i = 0; i < set.count && i < XGSLB_MAX_LISTEN; ++i)
            if ((set.keys[i].family == XGSLB_FAMILY_IPV6) == want_v6) { pick = &set.keys[i]; break; }
        spec.server = listen_address_text(*pick);
        spec.server_port = ntohs(pick->port);
    }
    if (options.client) spec.client = *options.client;
    else if (spec.server.find(':') != std::string::npos) spec.client = "2001:db8::1";

    const std::vector<uint8_t> frame = build_query_frame(spec);
    const int fd = program_fd(instance);
    std::vector<uint8_t> out(frame.size() + 4096);
    LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()), .data_size_out = static_cast<uint32_t>(out.size()),
                .repeat = 1);
    const xgslb_stats before = read_stats(maps.fds().stats);
    const int err = bpf_prog_test_run_opts(fd, &run);
    const xgslb_stats after = read_stats(maps.fds().stats);
    close(fd);
    if (err) throw_errno("BPF_PROG_TEST_RUN", -err);
    out.resize(run.data_size_out);

    json result = {{"query", {{"name", spec.name}, {"type", options.type}, {"client", spec.client},
                              {"server", spec.server}}}};
    if (spec.ecs) result["query"]["ecs"] = *spec.ecs;
    std::string text;
    if (run.retval == XDP_TX) {
        const auto payload = udp_payload(out);
        if (!payload) throw Error("XDP_TX with a frame that is not UDP");
        result["verdict"] = "answered";
        result["response"] = decode_response(*payload, text);
    } else {
        const auto* b = reinterpret_cast<const uint64_t*>(&before);
        const auto* a = reinterpret_cast<const uint64_t*>(&after);
        const auto& names = counter_names();
        result["verdict"] = run.retval == XDP_PASS ? "passed" : "action " + std::to_string(run.retval);
        result["reasons"] = json::array();
        for (size_t i = 0; i < names.size(); ++i)
            if (a[i] != b[i] && names[i].rfind("pass_", 0) == 0) result["reasons"].push_back(names[i].substr(5));
    }
    if (as_json) {
        std::cout << result.dump(2) << "\n";
        return 0;
    }
    if (result["verdict"] == "answered") {
        std::printf(";; answered by XDP (XDP_TX)\n%s", text.c_str());
        return 0;
    }
    std::string reasons;
    for (const auto& r : result["reasons"]) reasons += (reasons.empty() ? "" : ", ") + r.get<std::string>();
    std::printf("passed to the slow path: %s\n", reasons.empty() ? "(no counter moved)" : reasons.c_str());
    return 0;
}

}  // namespace xgslb::ctl
