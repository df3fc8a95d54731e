// SPDX-License-Identifier: GPL-2.0
/*
 * The pod-side ACL of fleetwave's datapath. It sees every packet a pod SENDS: attached to the peer
 * side of a netkit pod's pair (BPF_NETKIT_PEER), or with tcx to the ingress of a veth pod's host
 * side. netkit and tcx both hand it an Ethernet header and take the same verdicts: 0 pass, 2 drop.
 *
 * Rules live in one LPM trie, keyed by (generation, protocol, destination port, destination
 * CIDR). The host agent (fleetwave cni acl apply) writes a whole new rule set under the next
 * generation, zeroes that generation's counters, then flips acl_config.generation with one map
 * update: a packet is judged by the old set or the new one, never by half of either. Stale
 * generations are deleted afterwards. Lookups go from most to least specific:
 * (protocol, port), (protocol, any port), (any protocol); the longest CIDR wins within each.
 * Per-rule packet and byte counters are per-CPU; rule 0 counts packets no rule matched.
 * The layouts below are mirrored by src/cni/acl/encode.ts; change both together.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define VERDICT_PASS 0
#define VERDICT_DROP 2
#define ACTION_ALLOW 0
#define ACTION_DENY 1
/* Rule ids of one generation: 0 (no rule matched) .. RULES_PER_GENERATION - 1. */
#define RULES_PER_GENERATION 4096
/* The bits of an acl_key that precede the address: generation, protocol, pad, port. */
#define KEY_FIXED_BITS 64

struct acl_key {
  __u32 prefixlen;  /* KEY_FIXED_BITS + the CIDR's prefix length */
  __u32 generation; /* host byte order */
  __u8 protocol;    /* IPPROTO_*, 0 = any */
  __u8 pad;
  __be16 port;      /* destination port (TCP/UDP), 0 = any */
  __be32 address;   /* destination, network byte order */
};

struct acl_rule {
  __u32 action; /* ACTION_ALLOW | ACTION_DENY */
  __u32 rule;   /* 1 .. RULES_PER_GENERATION - 1, the counter slot */
};

struct acl_config {
  __u32 generation;     /* the rule set in force */
  __u32 default_action; /* for packets no rule matches */
};

struct acl_counter {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 2 * RULES_PER_GENERATION);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct acl_key);
  __type(value, struct acl_rule);
} acl_rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct acl_config);
} acl_config SEC(".maps");

/* Two halves: generation g counts in half (g & 1), so a new set starts from zero beside the old. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2 * RULES_PER_GENERATION);
  __type(key, __u32);
  __type(value, struct acl_counter);
} acl_counters SEC(".maps");

static __always_inline int judge(struct __sk_buff *skb, __u32 action, __u32 rule, __u32 generation) {
  __u32 slot = (generation & 1) * RULES_PER_GENERATION + (rule % RULES_PER_GENERATION);
  struct acl_counter *counter = bpf_map_lookup_elem(&acl_counters, &slot);
  if (counter) {
    counter->packets += 1;
    counter->bytes += skb->len;
  }
  return action == ACTION_DENY ? VERDICT_DROP : VERDICT_PASS;
}

SEC("tc")
int fleetwave_acl(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return VERDICT_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end || ip->ihl < 5) return VERDICT_PASS;

  __u32 zero = 0;
  struct acl_config *config = bpf_map_lookup_elem(&acl_config, &zero);
  if (!config) return VERDICT_PASS;
  __u32 generation = config->generation;

  __be16 port = 0;
  /* Ports only from first fragments; later fragments match the protocol and any-port rules. */
  if ((ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) && !(ip->frag_off & bpf_htons(0x1fff))) {
    void *l4 = (void *)ip + ip->ihl * 4;
    if (ip->protocol == IPPROTO_TCP) {
      struct tcphdr *tcp = l4;
      if ((void *)(tcp + 1) <= end) port = tcp->dest;
    } else {
      struct udphdr *udp = l4;
      if ((void *)(udp + 1) <= end) port = udp->dest;
    }
  }

  struct acl_key key = {
    .prefixlen = KEY_FIXED_BITS + 32,
    .generation = generation,
    .protocol = ip->protocol,
    .port = port,
    .address = ip->daddr,
  };
  struct acl_rule *rule = 0;
  if (port) rule = bpf_map_lookup_elem(&acl_rules, &key);
  if (!rule) {
    key.port = 0;
    rule = bpf_map_lookup_elem(&acl_rules, &key);
  }
  if (!rule) {
    key.protocol = 0;
    rule = bpf_map_lookup_elem(&acl_rules, &key);
  }
  if (rule) return judge(skb, rule->action, rule->rule, generation);
  return judge(skb, config->default_action, 0, generation);
}

char LICENSE[] SEC("license") = "GPL";
