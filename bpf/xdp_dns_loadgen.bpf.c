/* SPDX-License-Identifier: Apache-2.0 */
/* The project's own DNS load generator (tools/xdp_dns_loadgen), for when kxdpgun cannot keep
 * a responder busy: `dns_loadgen` runs under BPF_PROG_TEST_RUN in live-frames mode and turns
 * each repetition into the next query of a prebuilt table, sent with XDP_TX out of the client
 * veth end; `dns_replies` sits on that end and counts (and drops) what comes back. No socket,
 * no copy to userspace: the kernel sends and counts at the rate the responder allows. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/xdp_dns_loadgen.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 frame_count = 1;   /* entries of loadgen_frames in use */
const volatile __be16 server_port = 0;  /* replies come from here (network order) */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOADGEN_FRAMES);
	__type(key, __u32);
	__type(value, struct loadgen_frame);
} loadgen_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOADGEN_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} loadgen_stats SEC(".maps");

static __always_inline __u64 *counter(__u32 index)
{
	return bpf_map_lookup_elem(&loadgen_stats, &index);
}

SEC("xdp")
int dns_loadgen(struct xdp_md *ctx)
{
	__u64 *sent = counter(LOADGEN_SENT);
	if (!sent || frame_count == 0)
		return XDP_ABORTED;
	__u32 index = *sent % frame_count;
	struct loadgen_frame *frame = bpf_map_lookup_elem(&loadgen_frames, &index);
	if (!frame)
		return XDP_ABORTED;
	/* The verifier needs the length bounded by the value's size: mask, then check. */
	__u32 len = frame->len & (LOADGEN_FRAME_MAX - 1);
	if (len < ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr) + 12)
		return XDP_ABORTED;
	/* The page may hold the previous query (live frames recycle pages): size it, overwrite it. */
	int now = (int)bpf_xdp_get_buff_len(ctx); /* the verifier allows no arithmetic on data_end */
	if (bpf_xdp_adjust_tail(ctx, (int)len - now))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, frame->data, len))
		return XDP_ABORTED;
	*sent += 1;
	return XDP_TX;
}

SEC("xdp")
int dns_replies(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *dns = (void *)(udp + 1);

	if ((void *)(dns + 4) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP || udp->source != server_port)
		return XDP_PASS;
	if (!(dns[2] & 0x80)) /* QR = 0: not a reply */
		return XDP_PASS;
	__u64 *replies = counter(LOADGEN_REPLIES);
	__u64 *rcode = counter(LOADGEN_RCODE + (dns[3] & 0x0f));
	if (replies)
		*replies += 1;
	if (rcode)
		*rcode += 1;
	return XDP_DROP;
}
