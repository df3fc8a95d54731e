/*
 * fleetwave-netkit-attach: attaches a pinned BPF program to one side of a netkit pair with a BPF
 * link, and pins the link so that it outlives this process (removing the pin detaches it).
 *
 *   fleetwave-netkit-attach PRIMARY_DEVICE peer|primary PROGRAM_PIN LINK_PIN
 *
 * Runs on fleet nodes, which have no Node.js and may have no libbpf: raw bpf(2) syscalls only,
 * built static. bpftool cannot attach to netkit, and the kernel wants target_ifindex to be the
 * PRIMARY device for peer programs too (checked on Debian's 6.12 kernel in a lab VM).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* enum bpf_attach_type values from upstream include/uapi/linux/bpf.h (v6.7); older headers lack them. */
#define FLEETWAVE_BPF_NETKIT_PRIMARY 54
#define FLEETWAVE_BPF_NETKIT_PEER 55

static long bpf(int command, union bpf_attr *attr) {
  return syscall(SYS_bpf, command, attr, sizeof(*attr));
}

int main(int argc, char **argv) {
  if (argc != 5 || (strcmp(argv[2], "peer") != 0 && strcmp(argv[2], "primary") != 0)) {
    fprintf(stderr, "usage: %s PRIMARY_DEVICE peer|primary PROGRAM_PIN LINK_PIN\n", argv[0]);
    return 2;
  }
  unsigned int ifindex = if_nametoindex(argv[1]);
  if (ifindex == 0) {
    fprintf(stderr, "fleetwave-netkit-attach: no device %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.pathname = (uint64_t)(uintptr_t)argv[3];
  long program = bpf(BPF_OBJ_GET, &attr);
  if (program < 0) {
    fprintf(stderr, "fleetwave-netkit-attach: cannot open the program pinned at %s: %s\n", argv[3], strerror(errno));
    return 1;
  }
  memset(&attr, 0, sizeof(attr));
  attr.link_create.prog_fd = (uint32_t)program;
  attr.link_create.target_ifindex = ifindex;
  attr.link_create.attach_type = strcmp(argv[2], "peer") == 0 ? FLEETWAVE_BPF_NETKIT_PEER : FLEETWAVE_BPF_NETKIT_PRIMARY;
  long link = bpf(BPF_LINK_CREATE, &attr);
  if (link < 0) {
    fprintf(stderr, "fleetwave-netkit-attach: cannot attach to the %s side of %s (is it a netkit primary?): %s\n", argv[2], argv[1], strerror(errno));
    return 1;
  }
  memset(&attr, 0, sizeof(attr));
  attr.pathname = (uint64_t)(uintptr_t)argv[4];
  attr.bpf_fd = (uint32_t)link;
  if (bpf(BPF_OBJ_PIN, &attr) < 0) {
    fprintf(stderr, "fleetwave-netkit-attach: cannot pin the link at %s: %s\n", argv[4], strerror(errno));
    return 1;
  }
  printf("attached %s to the %s side of %s (ifindex %u), link pinned at %s\n", argv[3], argv[2], argv[1], ifindex, argv[4]);
  return 0;
}
