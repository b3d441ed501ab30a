// The kernel's link notifications (rtnetlink RTNLGRP_LINK) in the daemon's network namespace:
// an interface appearing, changing state or disappearing. The data-plane watch reacts to them at
// once instead of waiting for its next periodic check (userspace/data_plane_watch.h).
#pragma once

#include <string>
#include <vector>

namespace xgslb {

struct LinkEvent {
    std::string ifname;
    int ifindex = 0;
    bool removed = false;  // RTM_DELLINK
    bool up = false;       // IFF_UP (administratively up); meaningless when removed
};

class LinkEvents {
public:
    LinkEvents();  // throws xgslb::Error when the netlink socket cannot be opened
    ~LinkEvents();
    LinkEvents(const LinkEvents&) = delete;
    LinkEvents& operator=(const LinkEvents&) = delete;

    int fd() const { return fd_; }  // readable when events wait
    // Every event queued now (non-blocking). After an overrun (ENOBUFS) some were lost:
    // `overrun` is set, and the caller must look at every interface itself.
    std::vector<LinkEvent> drain(bool& overrun);

private:
    int fd_ = -1;
};

}  // namespace xgslb
