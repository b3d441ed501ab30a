/* SPDX-License-Identifier: Apache-2.0 */
/* The throughput harness's ceiling (bench/run_throughput.sh): sends every IPv4 UDP frame back
 * with Ethernet addresses, IP addresses and UDP ports swapped, and the DNS QR bit set. The
 * MAC-swap reflector (xdp_reflect) is the cheapest XDP_TX, but a load generator only counts
 * frames addressed to it: kxdpgun's AF_XDP filter takes UDP to its own ports, so a frame still
 * addressed to port 53 never reaches it. Swapping two 32-bit and two 16-bit fields leaves both
 * checksums valid (the ones'-complement sum does not depend on order); QR needs an RFC 1624
 * update of the UDP checksum. No parsing beyond that: this is a reflector, not a responder. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_echo_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *dns_flags = (void *)(udp + 1) + 2;
	__u8 mac[ETH_ALEN];

	if ((void *)(dns_flags + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	__be32 addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	__be16 port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;

	/* QR is the top bit of the flags' first octet: the 16-bit word (flags) grows by 0x8000. */
	if (!(*dns_flags & 0x80)) {
		*dns_flags |= 0x80;
		if (udp->check) {
			__u32 sum = (__u16)~bpf_ntohs(udp->check) + 0x8000;
			sum = (sum & 0xffff) + (sum >> 16);
			__u16 check = ~(__u16)sum;
			udp->check = bpf_htons(check ? check : 0xffff);
		}
	}
	return XDP_TX;
}
