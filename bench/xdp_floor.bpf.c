/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor of the XDP per-query cost: a minimal responder for exactly the headline query of
 * bench/xdp_query_cost (IPv4 without options, no VLAN, UDP to port 53, a 31-octet name with an
 * 11-octet OPT: 89 octets of headers and question), answering 4 A records (64 octets) the way
 * xgslb's writer does: incremental checksums, the frame grown at the head, headers and question
 * moved back, records written, addresses, ports and MACs swapped, XDP_TX. It checks nothing
 * else (no name, no listen set, no RRL, no bounds beyond the verifier's) and writes zeros as
 * records, with sums that do not account for them: its output is not a valid response (a
 * measuring stick, not a responder; `xdp_query_cost --case a4_edns --object /tmp/floor.o
 * --expect tx` shows it reaches XDP_TX with the grown frame, then refuses to time an invalid
 * answer). Its cost net of the empty program is what
 * parsing and answering cost at constant offsets; xgslb's cost above it is what validation,
 * lookup and generality cost. Not built by CMake; measured against xgslb on the same frame:
 *
 *   clang -g -O2 -target bpf -I. -idirafter /usr/include/$(gcc -print-multiarch) -idirafter /usr/include \
 *     -c bench/xdp_floor.bpf.c -o /tmp/floor.o
 *   sudo build/bench/xdp_stage_cost --cpu 1 --rounds 1000 /tmp/floor.o=floor build/bpf/xgslb_skel/xgslb.bpf.o=xgslb
 *
 * (xdp_stage_cost loads the program named xgslb_xdp of each object; this one keeps its own map.)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PREFIX 89 /* Ethernet 14 + IPv4 20 + UDP 8 + DNS 12 + name 31 + QTYPE/QCLASS 4 */
#define GROW 64   /* 4 A records of 16 octets */

struct floor_answer {
	__u64 words[GROW / 8];
	__u32 sum; /* the records' ones'-complement sum */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_answer);
} floor_answer SEC(".maps");

static __always_inline __u32 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

SEC("xdp")
int xgslb_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + PREFIX + 11 > end || *(__u16 *)(data + 12) != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = data + ETH_HLEN;
	if (*(__u8 *)ip != 0x45 || ip->protocol != 17)
		return XDP_PASS;
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *dns = (void *)(udp + 1);
	if (udp->dest != bpf_htons(53) || (*(__u16 *)(dns + 2) & bpf_htons(0xf800)))
		return XDP_PASS;
	__u32 zero = 0;
	struct floor_answer *a = bpf_map_lookup_elem(&floor_answer, &zero);
	if (!a)
		return XDP_PASS;
	/* Planned before the growth, as xgslb's writer does: both lengths grow by GROW, the flags
	 * and ANCOUNT change, the records come in. */
	__u16 ip_check = ~fold((__u16)~ip->check + (GROW << 8));
	__u16 udp_check = ~fold((__u16)~udp->check + 2 * GROW + a->sum + 0x8400);
	__u16 tot_len = bpf_htons(bpf_ntohs(ip->tot_len) + GROW), udp_len = bpf_htons(bpf_ntohs(udp->len) + GROW);
	if (bpf_xdp_adjust_head(ctx, -GROW))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + PREFIX + GROW + 8 > end)
		return XDP_DROP;
#pragma unroll
	for (int i = 0; i < PREFIX / 8; i++)
		*(__u64 *)(data + 8 * i) = *(__u64 *)(data + GROW + 8 * i);
	*(__u64 *)(data + PREFIX - 8) = *(__u64 *)(data + GROW + PREFIX - 8);
#pragma unroll
	for (int i = 0; i < GROW / 8; i++)
		*(__u64 *)(data + PREFIX + 8 * i) = a->words[i];
	__u32 d_hi = *(__u32 *)data, s_hi = *(__u32 *)(data + 6);
	__u16 d_lo = *(__u16 *)(data + 4), s_lo = *(__u16 *)(data + 10);
	*(__u32 *)data = s_hi;
	*(__u16 *)(data + 4) = s_lo;
	*(__u32 *)(data + 6) = d_hi;
	*(__u16 *)(data + 10) = d_lo;
	ip = data + ETH_HLEN;
	ip->tot_len = tot_len;
	ip->check = ip_check;
	__u64 addrs = *(__u64 *)&ip->saddr;
	*(__u64 *)&ip->saddr = (addrs >> 32) | (addrs << 32);
	udp = (void *)(ip + 1);
	__u32 ports = *(__u32 *)udp;
	*(__u32 *)udp = (ports >> 16) | (ports << 16);
	udp->len = udp_len;
	udp->check = udp_check;
	dns = (void *)(udp + 1);
	*(__u16 *)(dns + 2) = bpf_htons(0x8400);
	*(__u16 *)(dns + 6) = bpf_htons(4);
	return XDP_TX;
}
