/* SPDX-License-Identifier: Apache-2.0 */
/* Returns XDP_PASS. Two uses: on the client end of a test veth pair, where a frame sent with
 * XDP_TX from the other end only arrives if this end runs an XDP program; and as the empty
 * program whose BPF_PROG_TEST_RUN time is the fixed cost subtracted in bench/. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
