#!/bin/sh
# Builds (once, cached) a Debian bookworm disk image with a real boot loader for VM lab hosts:
# GRUB in the MBR, ext4 root, Debian's 6.1 kernel, systemd, sshd, iproute2 6.15 from backports.
# GRUB is set up as a fleet would be for one-shot kernel tests: GRUB_DEFAULT=saved (installing a
# kernel does not change the default), GRUB_DISABLE_SUBMENU=y (stable entry titles), serial console.
# Prints key=value lines: image, ssh_key, host_key, kernel_release, default_entry.
# Everything comes from Debian's packages (debootstrap, grub-pc-bin, e2fsprogs, fdisk, qemu-utils).
set -eu
CACHE=${FLEETWAVE_VM_CACHE:-/var/cache/fleetwave/vm}/grub
MIRROR=${FLEETWAVE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SIZE_MB=4096
here=$(cd "$(dirname "$0")" && pwd)
# The image is rebuilt whenever this script changes.
key=$(sha256sum "$here/vm-grub-image.sh" | cut -c1-16)
log() { echo "vm-grub-image: $*" >&2; }
mkdir -p "$CACHE/debs"
cd "$CACHE"

missing=""
# GRUB's own tools come from the image (grub-pc is in it), so the host needs only these.
for tool in debootstrap:debootstrap mke2fs:e2fsprogs sfdisk:fdisk qemu-img:qemu-utils; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
  log "installing$missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

image="$CACHE/bookworm-grub-$key.raw"
if [ ! -f "$image" ]; then
  if [ ! -f rootfs/.fleetwave-debootstrap-done ]; then
    log "debootstrap of bookworm (a few minutes the first time; packages are cached)"
    rm -rf rootfs
    debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
      --include=systemd-sysv,openssh-server,linux-image-amd64,grub-pc,iproute2,udev,kmod,initramfs-tools,ca-certificates \
      bookworm rootfs "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || { log "debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
    touch rootfs/.fleetwave-debootstrap-done
  fi
  R="$CACHE/rootfs"
  release=$(ls "$R/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
  entry="Debian GNU/Linux, with Linux $release"

  # iproute2 >= 6.8 inside the guest: the kernel playbook creates a netkit pair.
  if ! chroot "$R" ip -V 2>/dev/null | grep -q 'iproute2-6\.1[5-9]'; then
    log "installing iproute2 from bookworm-backports in the image"
    cat > "$R/etc/apt/sources.list.d/bookworm-backports.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    cp /etc/resolv.conf "$R/etc/resolv.conf"
    chroot "$R" apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -q --no-install-recommends -t bookworm-backports iproute2 >/dev/null
    chroot "$R" apt-get clean
  fi

  # Kernels installed later inside the guest: an initramfs with the modules this machine needs
  # (MODULES=most takes ~9 min under TCG, dep ~46 s).
  sed -i 's/^MODULES=.*/MODULES=dep/' "$R/etc/initramfs-tools/initramfs.conf"
  cat > "$R/etc/default/grub" <<GRUB
# Written by fleetwave (bin/vm-grub-image.sh): one-shot kernel tests as on a fleet.
GRUB_DEFAULT=saved
GRUB_DISABLE_SUBMENU=y
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200 net.ifnames=0"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
  uuid=$(cat /proc/sys/kernel/random/uuid)
  echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$R/etc/fstab"
  echo fleetwave-grub > "$R/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 fleetwave-grub\n' > "$R/etc/hosts"
  mkdir -p "$R/etc/systemd/network" "$R/etc/systemd/system/multi-user.target.wants"
  printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' > "$R/etc/systemd/network/10-eth0.network"
  ln -sf /lib/systemd/system/systemd-networkd.service "$R/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  # The host waits for this line on the serial console (QEMU's port forward accepts connections before sshd listens).
  cat > "$R/etc/systemd/system/fleetwave-ready.service" <<'UNIT'
[Unit]
Description=fleetwave lab: tell the host on the serial console that sshd is up
After=ssh.service
Wants=ssh.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "FLEETWAVE-READY $(hostname) $(uname -r) $(cat /proc/sys/kernel/random/boot_id)" > /dev/ttyS0'
[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/fleetwave-ready.service "$R/etc/systemd/system/multi-user.target.wants/fleetwave-ready.service"
  # The image's root key: labs made from this image log in with it (it lives in this cache only).
  [ -f "$CACHE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleetwave-grub-image -f "$CACHE/id_ed25519"
  mkdir -p "$R/root/.ssh"
  cp "$CACHE/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
  chmod 700 "$R/root/.ssh"; chmod 600 "$R/root/.ssh/authorized_keys"
  printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' > "$R/etc/ssh/sshd_config.d/fleetwave.conf"

  # GRUB: modules and environment on the root file system, a first-boot grub.cfg in the shape
  # update-grub writes (the first `dpkg -i` of a kernel in the guest regenerates it for real),
  # and the default entry saved, so a newly installed kernel does not become the default.
  rm -rf "$R/boot/grub/i386-pc"
  mkdir -p "$R/boot/grub"
  cp -r "$R/usr/lib/grub/i386-pc" "$R/boot/grub/i386-pc"
  chroot "$R" grub-editenv /boot/grub/grubenv create
  chroot "$R" grub-editenv /boot/grub/grubenv set "saved_entry=$entry"
  cat > "$R/boot/grub/grub.cfg" <<CFG
# First-boot configuration written by fleetwave (bin/vm-grub-image.sh); update-grub replaces it.
if [ -s \$prefix/grubenv ]; then load_env; fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="\${saved_entry}"
fi
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=1
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $uuid
menuentry '$entry' {
	linux /boot/vmlinuz-$release root=UUID=$uuid ro console=ttyS0,115200 net.ifnames=0
	initrd /boot/initrd.img-$release
}
CFG

  log "making the disk image"
  raw="$image.new"
  rm -f "$raw"
  truncate -s "${SIZE_MB}M" "$raw"
  echo 'start=2048, type=83, bootable' | sfdisk -q "$raw"
  # The file system is made straight from the directory at the partition's offset: no loop devices.
  mke2fs -q -t ext4 -U "$uuid" -L fleetwave-root -d "$R" -E offset=$((2048 * 512)) "$raw" $(( (SIZE_MB - 1) * 1024 ))k
  modules="biosdisk part_msdos ext2 normal search search_fs_uuid linux configfile echo loadenv test serial terminal"
  "$R/usr/bin/grub-mkimage" -O i386-pc -d "$R/usr/lib/grub/i386-pc" -o "$CACHE/core.img" -p '(hd0,msdos1)/boot/grub' $modules
  # What grub-bios-setup would do, by hand (it cannot work on an image file here): boot.img in the
  # MBR (its first 440 bytes, keeping the partition table) and core.img from sector 1, where
  # boot.img looks for it by default; grub-mkimage already filled core.img's own block list.
  core_sectors=$(( ($(stat -c %s "$CACHE/core.img") + 511) / 512 ))
  [ "$core_sectors" -lt 2047 ] || { log "core.img does not fit before the partition"; exit 1; }
  dd if="$R/usr/lib/grub/i386-pc/boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
  dd if="$CACHE/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
  mv "$raw" "$image"
  printf '%s\n%s\n' "$release" "$entry" > "$image.meta"
fi

echo "image=$image"
echo "ssh_key=$CACHE/id_ed25519"
echo "host_key=$(cat "$CACHE/rootfs/etc/ssh/ssh_host_ed25519_key.pub" | cut -d' ' -f1,2)"
echo "kernel_release=$(sed -n 1p "$image.meta")"
echo "default_entry=$(sed -n 2p "$image.meta")"
