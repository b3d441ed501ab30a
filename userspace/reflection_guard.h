// Never reflect, in the slow path: the XDP program's port rule (bpf/reflection.h), for the
// queries it never sees (XDP not attached, other interfaces): a datagram from a source port in
// XGSLB_REFLECTION_PORTS (maps/xgslb_abi.h) gets no response. Responses (QR=1) are never
// answered already (Answerer). The XDP rule's other half, a source address of our own, is left
// out here on purpose: a datagram from outside with our address as its source never reaches a
// socket (the kernel drops it as a martian, accept_local=0), so one that does comes from this
// host — a local stub resolver, a health check — and deserves an answer. XDP runs before that
// kernel check, which is why it applies the rule itself.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace xgslb {

bool is_reflection_port(uint16_t port_host_order);

// `peer`: where the datagram came from (AF_INET or AF_INET6; anything else is answered).
bool must_not_answer(const sockaddr_storage& peer);

}  // namespace xgslb
