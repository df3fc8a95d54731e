import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag, reasonFlag } from '../../cli/flags.js';
import { renderLabUp } from '../../cli/views/lab.js';
import { MAX_LAB_HOSTS } from '../../lab/layout.js';
import { LabNameSchema } from '../../lab/lab-state.js';
import { labUp, type LabUpResult } from '../../services/lab/lab-up.js';

export default class LabUp extends FleetwaveCommand {
  static override summary = 'Start a local lab fleet: real sshd hosts in their own network namespaces, or QEMU guests running a real kernel (--vm), added to the inventory.';
  static override description = [
    'Namespace hosts: each gets its own namespace, address (198.18.0.0/15, the RFC 2544 benchmark range), host key, known_hosts entry and inventory row (zones and racks spread). Their kernels and reboots are simulated and named as such.',
    "VM hosts (--vm): each is a QEMU guest (TCG) booting a real Debian kernel package (default: the newest 6.12 from bookworm-security, netkit built in; --kernel for another) from a small initramfs with this machine's sshd, iproute2 6.15 and bpftool 7.5; SSH is forwarded on 127.0.0.1, and the guests share a private segment on the lab's addresses. bin/vm-assets.sh fetches and caches everything from Debian's packages. About 4 s per guest to boot; at most 8 guests.",
    'Needs root; installs openssh-server (and for --vm qemu-system-x86, busybox-static, cpio) when missing.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %> --hosts 20',
    '<%= config.bin %> <%= command.id %> --hosts 500 --name big --lab-dir /tmp/big-lab',
    '<%= config.bin %> <%= command.id %> --vm --hosts 2 --name real --lab-dir /tmp/real-lab',
  ];

  static override flags = {
    hosts: Flags.integer({ summary: 'How many hosts.', default: 10, min: 1, max: MAX_LAB_HOSTS }),
    name: Flags.string({ summary: 'Lab name; hosts are NAME-h001, NAME-h002, ...', default: 'lab', parse: async (input) => LabNameSchema.parse(input) }),
    vm: Flags.boolean({ summary: 'Hosts are QEMU guests booting a real kernel instead of namespaces with a simulated one.', default: false }),
    kernel: Flags.string({
      summary: "With --vm: the linux-image .deb the guests boot, or a release whose Debian package to fetch (default: Debian's newest 6.12).",
      dependsOn: ['vm'],
      exclusive: ['disk'],
    }),
    disk: Flags.boolean({
      summary: 'With --vm: guests boot a Debian bookworm disk through real GRUB (6.1; kernels installed with dpkg, reboots real). Built once and cached; ~30 s to boot.',
      default: false,
      dependsOn: ['vm'],
    }),
    'lab-dir': labDirFlag,
    reason: reasonFlag,
  };

  async run(): Promise<LabUpResult> {
    const { flags } = await this.parse(LabUp);
    const result = await labUp({
      dbPath: flags.db,
      labDir: flags['lab-dir'],
      name: flags.name,
      hosts: flags.hosts,
      ...(flags.vm ? { vm: { ...(flags.kernel ? { kernelPackage: flags.kernel } : {}), disk: flags.disk } } : {}),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
    });
    return this.output(result, renderLabUp);
  }
}
