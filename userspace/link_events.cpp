#include "userspace/link_events.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "userspace/error.h"

namespace xgslb {

LinkEvents::LinkEvents() {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) throw_errno("opening a netlink socket for link events", errno);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        close(fd_);
        throw_errno("subscribing to link events", err);
    }
}

LinkEvents::~LinkEvents() { close(fd_); }

std::vector<LinkEvent> LinkEvents::drain(bool& overrun) {
    std::vector<LinkEvent> events;
    overrun = false;
    alignas(nlmsghdr) char buf[16384];
    for (;;) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {  // the socket's queue overflowed: events were lost
                overrun = true;
                continue;
            }
            return events;  // EAGAIN: nothing more queued
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
            const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
            LinkEvent e;
            e.ifindex = info->ifi_index;
            e.removed = h->nlmsg_type == RTM_DELLINK;
            e.up = (info->ifi_flags & IFF_UP) != 0;
            int attr_len = static_cast<int>(IFLA_PAYLOAD(h));
            for (auto* a = IFLA_RTA(info); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len))
                if (a->rta_type == IFLA_IFNAME)
                    e.ifname.assign(static_cast<const char*>(RTA_DATA(a)),
                                    strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
            events.push_back(std::move(e));
        }
    }
}

}  // namespace xgslb
