/* SPDX-License-Identifier: Apache-2.0 */
/* Never reflect: a query from a port no DNS client uses (XGSLB_REFLECTION_PORTS: echo, chargen,
 * NTP, ...) or from one of our own listen addresses is a spoofed packet meant to make us the
 * first half of a loop or an amplification. It is dropped, not passed: the slow path would
 * only drop it too, after a trip up the stack (userspace/reflection_guard.h: the same ports;
 * a datagram from outside with our own address never reaches a socket, the kernel drops it as
 * a martian, but XDP runs before that check). */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"

static __always_inline int reflection_port(__u16 port_host_order)
{
	if (port_host_order > XGSLB_REFLECTION_PORT_MAX)
		return 0;
	switch (port_host_order) {
#define XGSLB_REFLECTION_CASE(port, service) case port:
	XGSLB_REFLECTION_PORTS(XGSLB_REFLECTION_CASE)
#undef XGSLB_REFLECTION_CASE
		return 1;
	}
	return 0;
}

/* Whether the source is one of the addresses in the listen set, whatever the port. The caller
 * passes the set parse_headers scanned, so this costs no lookups of its own. An entry
 * (xgslb_listen_key: family, pad, port, then the address) is compared address word 0 first: a
 * source that is not ours almost always differs there, so that one 32-bit compare is all most
 * queries pay; then the family octet and the other three words (`mid`: words 1 and 2, `last`:
 * word 3; for IPv4 constant zeros). */
static __always_inline int own_entry(const struct xgslb_listen_key *key, __u8 family, __u32 first, __u64 mid,
				     __u32 last)
{
	const __u8 *have = (const __u8 *)key;
	return *(const __u32 *)(have + 4) == first && have[0] == family && *(const __u64 *)(have + 8) == mid &&
	       *(const __u32 *)(have + 16) == last;
}

/* The first entry apart, outside the loop: a node usually listens on one address, and then the
 * check has no counter, bound or rotation of the loop on the path every query takes. */
static __always_inline int own_address(const struct xgslb_listen_set *set, __u8 family, __u32 first, __u64 mid,
				       __u32 last)
{
	__u32 count = set->count;
	if (count == 0)
		return 0;
	if (own_entry(&set->keys[0], family, first, mid, last))
		return 1;
	for (__u32 i = 1; i < XGSLB_MAX_LISTEN; i++) {
		if (i >= count)
			break;
		if (own_entry(&set->keys[i], family, first, mid, last))
			return 1;
	}
	return 0;
}
