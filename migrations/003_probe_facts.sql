-- Facts `fleet probe` observes beyond the columns of 001.
ALTER TABLE hosts ADD COLUMN installed_kernels TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(installed_kernels));
ALTER TABLE hosts ADD COLUMN next_boot_kernel TEXT;   -- a pending one-shot boot entry (grub-reboot)
ALTER TABLE hosts ADD COLUMN uptime_seconds REAL;
ALTER TABLE hosts ADD COLUMN netkit_detail TEXT;      -- why the host is or is not netkit-capable
