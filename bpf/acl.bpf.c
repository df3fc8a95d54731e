// SPDX-License-Identifier: GPL-2.0
/*
 * The pod-side ACL of fleetwave's netkit datapath: attached to the PEER side of a pod's netkit
 * pair, it sees every packet the pod sends and drops those whose IPv4 destination is in the
 * deny_dst map (the host agent fills the map from ACL rules). netkit hands the program an Ethernet
 * header, as tcx does; verdicts are netkit's: 0 pass, 2 drop.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define NETKIT_PASS 0
#define NETKIT_DROP 2

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);   /* IPv4 destination, network byte order */
  __type(value, __u8);  /* any value: present means denied */
} deny_dst SEC(".maps");

SEC("tc")
int fleetwave_acl(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return NETKIT_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end) return NETKIT_PASS;
  __u32 destination = ip->daddr;
  return bpf_map_lookup_elem(&deny_dst, &destination) ? NETKIT_DROP : NETKIT_PASS;
}

char LICENSE[] SEC("license") = "GPL";
