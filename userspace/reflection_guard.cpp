#include "userspace/reflection_guard.h"

#include <netinet/in.h>

#include "maps/xgslb_abi.h"

namespace xgslb {

bool is_reflection_port(uint16_t port) {
    switch (port) {
#define XGSLB_REFLECTION_CASE(number, service) case number:
        XGSLB_REFLECTION_PORTS(XGSLB_REFLECTION_CASE)
#undef XGSLB_REFLECTION_CASE
        return true;
    default:
        return false;
    }
}

bool must_not_answer(const sockaddr_storage& peer) {
    if (peer.ss_family == AF_INET) return is_reflection_port(ntohs(reinterpret_cast<const sockaddr_in&>(peer).sin_port));
    if (peer.ss_family == AF_INET6)
        return is_reflection_port(ntohs(reinterpret_cast<const sockaddr_in6&>(peer).sin6_port));
    return false;
}

}  // namespace xgslb
