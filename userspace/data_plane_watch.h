// Keeps the data plane this daemon set up in place when something outside changes it:
//   * pinned maps removed from bpffs (rm -rf /sys/fs/bpf/xgslb/<instance>): the maps live on,
//     held by the program and by us, so they are pinned again — xgslbctl, bpftool and the next
//     daemon (hitless restart) find them where they expect;
//   * a configured interface deleted and created again with the same name (a veth or VLAN
//     re-made, a driver reloaded): the attachment went with the old interface, so the program is
//     attached to the new one; our program detached from outside is attached again;
//   * an interface going down and up: XDP stays attached in the kernel; the watch logs both and
//     checks the attachment when it is up.
// The kernel's link notifications (userspace/link_events.h) trigger a check at once; a periodic
// check() (about every second, from the daemon's signal loop) catches what they miss (lost
// notifications, pins — bpffs sends none). Every fault is logged once when it is seen and once
// when it is repaired, not at every check. Runs on the daemon's main thread only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "userspace/link_events.h"
#include "userspace/xdp_program.h"

namespace xgslb {

class DataPlaneWatch {
public:
    // `changed`: called after the watch attached or forgot an attachment (for metrics/status).
    // `repinned`: called after the pin directory was made again (to take the instance lock on it).
    DataPlaneWatch(XdpProgram& program, std::function<void()> changed, std::function<void()> repinned);

    // The interfaces the config wants the program on (start and every SIGHUP).
    void set_interfaces(std::vector<std::string> interfaces, AttachMode mode);
    int fd() const { return links_.fd(); }
    void on_link_events();  // fd() is readable
    void check();           // periodic: pins and every interface

private:
    struct Interface {
        int ifindex = 0;       // as last seen; 0 = absent
        bool up = true;        // administratively up, as last seen
        std::string problem;   // what was logged last; "" when fine
    };

    void check_pins();
    void check_interface(const std::string& ifname, Interface& state, bool periodic);
    void report(const std::string& ifname, Interface& state, const std::string& problem);

    XdpProgram& program_;
    std::function<void()> changed_, repinned_;
    LinkEvents links_;
    AttachMode mode_ = AttachMode::automatic;
    std::map<std::string, Interface> interfaces_;
    std::string pin_problem_;  // logged last; "" when the pins are in place
};

}  // namespace xgslb
