/* SPDX-License-Identifier: Apache-2.0 */
/* The project's own DNS load generator (tools/xdp_dns_loadgen), for when kxdpgun cannot keep
 * a responder busy: `dns_loadgen` runs under BPF_PROG_TEST_RUN in live-frames mode and turns
 * each repetition into the next query of a prebuilt table, sent with XDP_TX out of the client
 * veth end; `dns_replies` sits on that end, counts (and drops) what comes back and times each
 * reply against its query's send time into a latency histogram. No socket, no copy to
 * userspace: the kernel sends and counts at the rate the responder allows. */
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
/* Off: no send times, no latency histogram (two clock reads and two map accesses fewer per
 * query, ~100 ns together here), to measure what timing costs the harness. */
const volatile __u8 time_replies = 1;
/* The interface live frames are sent from. The program may also be attached to an idle
 * interface (--park-on): whatever arrives there is passed untouched. */
const volatile __u32 send_ifindex = 0;
/* On: send a frame only when the schedule in loadgen_pace says one is due (see
 * xdp_dns_loadgen.h); off (flat out, or paced by the tool's call sizes): every repetition sends,
 * and the verifier removes the schedule's code, so that program is unchanged. */
const volatile __u8 paced = 0;

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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOADGEN_SLOTS);
	__type(key, __u32);
	__type(value, struct loadgen_send_time);
} loadgen_send_times SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOADGEN_LAT_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} loadgen_latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loadgen_pace);
} loadgen_pace SEC(".maps");

static __always_inline __u64 *counter(__u32 index)
{
	return bpf_map_lookup_elem(&loadgen_stats, &index);
}

/* Adds a 16-bit word to a UDP checksum that was computed with that word zero (RFC 1624). */
static __always_inline __u16 csum_add_word(__u16 check, __u16 word)
{
	__u32 sum = (__u16)~check + (__u32)word;
	sum = (sum & 0xffff) + (sum >> 16);
	__u16 folded = ~(__u16)sum;
	return folded ? folded : 0xffff;
}

/* True when the schedule has a frame due now; claims it. Too far behind (the tool's thread was
 * descheduled, or between two calls), it skips all but max_late of the overdue frames, so a
 * late generator sends at most that many back to back, as the tool's own pacing does. */
static __always_inline int pace_frame_due(void)
{
	__u32 zero = 0;
	struct loadgen_pace *p = bpf_map_lookup_elem(&loadgen_pace, &zero);
	if (!p || p->rate == 0)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (now < p->next_due_ns || now >= p->end_ns)
		return 0;
	/* The slot due now; (now - start) * rate stays below 2^64 for runs of up to 60 s at 20M/s. */
	__u64 slot_now = (now - p->start_ns) * p->rate / 1000000000ull;
	if (slot_now > p->next_slot + p->max_late) {
		p->skipped += slot_now - p->max_late - p->next_slot;
		p->next_slot = slot_now - p->max_late;
	}
	if (slot_now > p->next_slot)
		p->caught_up += 1;
	p->next_slot += 1;
	p->next_due_ns = p->start_ns + p->next_slot * 1000000000ull / p->rate;
	return 1;
}

SEC("xdp")
int dns_loadgen(struct xdp_md *ctx)
{
	if (ctx->ingress_ifindex != send_ifindex)
		return XDP_PASS;
	/* Not due: drop, which in live-frames mode only returns the page to the call's pool. */
	if (paced && !pace_frame_due())
		return XDP_DROP;
	__u64 *sent = counter(LOADGEN_SENT);
	if (!sent || frame_count == 0)
		return XDP_ABORTED;
	/* Several sender threads run live frames at once, on any CPU: each CPU numbers its own
	 * queries with its count of frames sent (a batch runs with bottom halves off, so nothing
	 * else on this CPU runs this program meanwhile), and the CPU is the sequence number's
	 * low bits. */
	__u32 cpu = bpf_get_smp_processor_id() & (LOADGEN_SEQ_CPUS - 1);
	__u32 seq = (((__u32)*sent << LOADGEN_SEQ_CPU_BITS) | cpu) & LOADGEN_SEQ_MASK;
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

	/* Stamp the sequence number into the source port and the DNS ID (see xdp_dns_loadgen.h). */
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + ETH_HLEN + sizeof(struct iphdr);
	__u8 *dns = (void *)(udp + 1);
	if ((void *)(dns + 2) > data_end)
		return XDP_ABORTED;
	__u16 port = LOADGEN_PORT_BASE | (__u16)(seq >> 16);
	__u16 id = (__u16)seq;
	udp->source = bpf_htons(port);
	dns[0] = id >> 8;
	dns[1] = id & 0xff;
	__u16 check = csum_add_word(csum_add_word(bpf_ntohs(udp->check), port), id);
	udp->check = bpf_htons(check);

	__u32 slot = seq & (LOADGEN_SLOTS - 1);
	struct loadgen_send_time *t = time_replies ? bpf_map_lookup_elem(&loadgen_send_times, &slot) : NULL;
	if (t) {
		t->sent_ns = bpf_ktime_get_ns();
		t->seq = seq;
	}
	*sent += 1;
	return XDP_TX;
}

/* Times a reply against its query's send time: one more in its latency bucket. */
static __always_inline void time_reply(__u16 dst_port, __u16 id)
{
	__u32 seq = ((__u32)(dst_port & ~LOADGEN_PORT_BASE) << 16) | id;
	__u32 slot = seq & (LOADGEN_SLOTS - 1);
	struct loadgen_send_time *t = bpf_map_lookup_elem(&loadgen_send_times, &slot);
	__u64 *c;
	if (!t || !(dst_port & LOADGEN_PORT_BASE) || t->seq != seq) {
		if ((c = counter(LOADGEN_UNMATCHED)))
			*c += 1;
		return;
	}
	__u64 ns = bpf_ktime_get_ns() - t->sent_ns;
	t->seq = LOADGEN_SEQ_NONE;
	__u32 bucket = loadgen_latency_bucket(ns);
	__u64 *n = bpf_map_lookup_elem(&loadgen_latency, &bucket);
	if (n)
		*n += 1;
	if ((c = counter(LOADGEN_TIMED)))
		*c += 1;
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
	__u64 *octets = counter(LOADGEN_REPLY_OCTETS);
	if (replies)
		*replies += 1;
	if (rcode)
		*rcode += 1;
	if (octets)
		*octets += (__u64)(data_end - data);
	if (time_replies)
		time_reply(bpf_ntohs(udp->dest), ((__u16)dns[0] << 8) | dns[1]);
	return XDP_DROP;
}
