#include "userspace/data_plane_watch.h"

#include <bpf/libbpf.h>
#include <net/if.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "userspace/error.h"

namespace xgslb {
namespace {

// IFF_UP of an interface in this network namespace; true when it cannot be read.
bool interface_up(const std::string& ifname) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    const bool up = ioctl(fd, SIOCGIFFLAGS, &req) != 0 || (req.ifr_flags & IFF_UP) != 0;
    close(fd);
    return up;
}

// The ids of the XDP programs attached to an interface (native and generic); 0 for none.
std::pair<uint32_t, uint32_t> attached_program_ids(int ifindex) {
    LIBBPF_OPTS(bpf_xdp_query_opts, query);
    if (bpf_xdp_query(ifindex, 0, &query) != 0) return {0, 0};
    return {query.drv_prog_id, query.skb_prog_id};
}

std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : " ") + i;
    return s;
}

}  // namespace

DataPlaneWatch::DataPlaneWatch(XdpProgram& program, std::function<void()> changed, std::function<void()> repinned)
    : program_(program), changed_(std::move(changed)), repinned_(std::move(repinned)) {}

void DataPlaneWatch::set_interfaces(std::vector<std::string> interfaces, AttachMode mode) {
    mode_ = mode;
    std::map<std::string, Interface> next;
    for (const auto& ifname : interfaces) {
        auto it = interfaces_.find(ifname);
        Interface state = it != interfaces_.end() ? it->second : Interface{};
        if (it == interfaces_.end()) {
            state.ifindex = program_.attached_ifindex(ifname);
            state.up = interface_up(ifname);
        }
        next[ifname] = state;
    }
    interfaces_ = std::move(next);
}

void DataPlaneWatch::on_link_events() {
    bool overrun = false;
    const std::vector<LinkEvent> events = links_.drain(overrun);
    bool ours = overrun;
    for (const LinkEvent& e : events) ours = ours || interfaces_.count(e.ifname) > 0;
    if (!ours) return;
    for (auto& [ifname, state] : interfaces_) check_interface(ifname, state, false);
}

void DataPlaneWatch::check() {
    check_pins();
    for (auto& [ifname, state] : interfaces_) check_interface(ifname, state, true);
}

void DataPlaneWatch::check_pins() {
    const std::vector<std::string> missing = program_.missing_pins();
    if (missing.empty()) {
        if (!pin_problem_.empty()) spdlog::info("bpffs: the maps are pinned in {} again", program_.pin_dir());
        pin_problem_.clear();
        return;
    }
    if (pin_problem_.empty())
        spdlog::error("bpffs: {} of this instance's pinned maps were removed from {} ({}); the program keeps "
                      "answering from them, pinning them again",
                      missing.size(), program_.pin_dir(), join(missing));
    pin_problem_ = "missing";
    try {
        program_.pin_missing();
        repinned_();
        spdlog::info("bpffs: the maps are pinned in {} again", program_.pin_dir());
        pin_problem_.clear();
    } catch (const std::exception& e) {
        const std::string why = e.what();
        if (pin_problem_ != why)
            spdlog::error("bpffs: cannot pin the maps again ({}); retrying every second", why);
        pin_problem_ = why;
    }
}

void DataPlaneWatch::report(const std::string& ifname, Interface& state, const std::string& problem) {
    if (problem == state.problem) return;
    if (problem.empty())
        spdlog::info("interface {}: XDP program attached and the interface up again", ifname);
    else
        spdlog::error("interface {}: {}", ifname, problem);
    state.problem = problem;
}

void DataPlaneWatch::check_interface(const std::string& ifname, Interface& state, bool periodic) {
    const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    const int attached = program_.attached_ifindex(ifname);
    if (ifindex == 0) {
        if (attached) {
            program_.forget_attachment(ifname);
            changed_();
        }
        state.ifindex = 0;
        report(ifname, state, "removed; the XDP program attaches again when an interface of that name appears");
        return;
    }
    bool attach_now = attached == 0 || attached != ifindex;
    if (attached && attached != ifindex) {
        program_.forget_attachment(ifname);  // the old interface took that attachment with it
        changed_();
    }
    if (!attach_now) {
        const auto [native_id, generic_id] = attached_program_ids(ifindex);
        const uint32_t ours = program_.prog_id();
        if (native_id != ours && generic_id != ours) {
            if (native_id || generic_id) {
                report(ifname, state,
                       "another XDP program (id " + std::to_string(native_id ? native_id : generic_id) +
                           ") replaced ours; not fighting over it: restart xgslbd or detach that one");
                return;
            }
            spdlog::warn("interface {}: our XDP program was detached from outside; attaching it again", ifname);
            program_.forget_attachment(ifname);
            changed_();
            attach_now = true;
        }
    }
    if (attach_now) {
        try {
            program_.attach(ifname, mode_);  // netlink after the capability drop
            changed_();
        } catch (const std::exception& e) {
            // An interface being deleted can vanish between the index lookup above and the
            // attach: that is its removal, reported as such, not a failed attach.
            if (if_nametoindex(ifname.c_str()) == 0) {
                check_interface(ifname, state, periodic);
                return;
            }
            report(ifname, state, std::string("cannot attach the XDP program: ") + e.what() + "; retrying");
            return;
        }
    }
    state.ifindex = ifindex;
    const bool up = interface_up(ifname);
    if (!up) {
        // Reported by the periodic check only: an interface being deleted goes down first, and
        // one re-created comes up down; either is one fault, logged once (as removed).
        if (periodic && state.problem.rfind("removed", 0) != 0)
            report(ifname, state, "down; the XDP program stays attached and answers again when it is up");
        state.up = false;
        return;
    }
    state.up = true;
    report(ifname, state, "");
}

}  // namespace xgslb
