/**
 * Shell lines that print `config_SYMBOL=value` for each symbol of the running kernel (from
 * /boot/config-RELEASE or /proc/config.gz; `unknown` when neither is readable) and
 * `netkit_create=ok` or `netkit_create=failed: REASON` after really creating (and deleting) a
 * throwaway netkit pair. Shared by `fleet probe` and `kernel verify`.
 */
export function kernelChecks(symbols: readonly string[]): string {
  // A namespace lab host (its sshd sets FLEETWAVE_LAB_HOST) runs this machine's kernel and fakes
  // the rest (src/lab/sim-bin): every answer below is then a simulation, and is said to be one.
  return `[ -n "\${FLEETWAVE_LAB_HOST:-}" ] && echo "kernel_simulated=fleetwave lab namespace host"
config="/boot/config-$(uname -r)"
for symbol in ${symbols.join(' ')}; do
  if [ -r "$config" ]; then
    value=$(sed -n "s/^$symbol=//p" "$config")
    echo "config_$symbol=\${value:-n}"
  elif [ -r /proc/config.gz ]; then
    value=$(zcat /proc/config.gz | sed -n "s/^$symbol=//p")
    echo "config_$symbol=\${value:-n}"
  else
    echo "config_$symbol=unknown"
  fi
done
if ip link add fwprobe0 type netkit peer name fwprobe1 2>/tmp/.fleetwave-probe.$$; then
  echo "netkit_create=ok"
  ip link del fwprobe0 2>/dev/null
else
  echo "netkit_create=failed: $(head -n 1 /tmp/.fleetwave-probe.$$)"
fi
rm -f /tmp/.fleetwave-probe.$$
`;
}

/** What tells one boot of a host from the next: a reboot is verified by a new boot id. */
export const BOOT_ID_COMMAND = 'cat /proc/sys/kernel/random/boot_id';

/**
 * One POSIX sh script run on each host: every fact in a single round trip, as key=value lines.
 * Only reads, except for a throwaway netkit pair that proves the kernel can really make one.
 */
export const PROBE_SCRIPT = `
echo "kernel=$(uname -r)"
echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"
echo "uptime=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)"
if command -v grub-editenv >/dev/null 2>&1; then
  grub-editenv list 2>/dev/null | sed -n 's/^saved_entry=/grub_saved=/p; s/^next_entry=/grub_next=/p'
fi
for image in /boot/vmlinuz-*; do [ -e "$image" ] && echo "installed=\${image#/boot/vmlinuz-}"; done
${kernelChecks(['CONFIG_NETKIT', 'CONFIG_NET_XGRESS', 'CONFIG_BPF_SYSCALL'])}[ -r /etc/fleetwave/cni-mode ] && echo "cni_marker=$(cat /etc/fleetwave/cni-mode)"
# The host's own uplink may itself be a veth (containers, the lab); it carries the host's address,
# while pod-side veths carry none: only unaddressed veths count as pods.
addressed=$(ip -o -4 addr show 2>/dev/null | awk '{print $2}' | sort -u)
echo "links_veth=$(ip -o link show type veth 2>/dev/null | sed -n 's/^[0-9]*: \\([^@:]*\\).*/\\1/p' | grep -vxF "\${addressed:-none}" | wc -l)"
echo "links_netkit=$(ip -o link show type netkit 2>/dev/null | wc -l)"
# Pods fleetwave-cni made, by device (its records in /etc/fleetwave/pods): a node in the middle of
# the migration runs both kinds.
if [ -d /etc/fleetwave/pods ]; then
  echo "pods_veth=$(cat /etc/fleetwave/pods/* 2>/dev/null | grep -c '"device":"veth"')"
  echo "pods_netkit=$(cat /etc/fleetwave/pods/* 2>/dev/null | grep -c '"device":"netkit"')"
fi
echo "probe=done"
`;
