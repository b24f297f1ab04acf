/* hv: golden argv for both backends, and xhyve's output parsers. The xhyve
 * argv is the original driver's (docs/original-driver.md §7.1) for every
 * disk type and share combination. */
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "tap.h"
#include "util.h"

static char *
joined(const struct hv_vm *vm, int qemu, int mac)
{
	struct strv sv;
	char *s;

	strv_init(&sv);
	if (qemu)
		hv_qemu_argv(vm, &sv);
	else
		hv_xhyve_argv(vm, "xhyve", mac, &sv);
	s = strv_join(&sv, " | ");
	strv_release(&sv);
	return s;
}

static void
base(struct hv_vm *vm)
{
	memset(vm, 0, sizeof *vm);
	vm->name = "dev";
	vm->uuid = "0C5F8A2E-2B0D-4A57-8E35-3F2E6B5B6C01";
	vm->cpus = 2;
	vm->memory_mb = 1024;
	vm->kernel = "/s/machines/dev/vmlinuz64";
	vm->initrd = "/s/machines/dev/initrd.img";
	vm->cmdline = "loglevel=3 user=docker console=ttyS0 console=tty0 noembed "
	    "nomodeset norestore base";
	vm->iso = "/s/machines/dev/boot2docker.iso";
	vm->disk = "/s/machines/dev/dev.rawdisk";
	vm->disk_format = "raw";
	vm->pidfile = "/s/machines/dev/dev.pid";
	vm->tap_fd = -1;
	vm->qmp_fd = -1;
}

static void
test_xhyve(void)
{
	struct hv_vm vm;
	struct hv_share sh[3] = { { "/Users", "host-0" },
	    { "/Volumes/src", "host-1" }, { "/opt/x", "host-2" } };
	const char *head = "xhyve | -A | -U | 0C5F8A2E-2B0D-4A57-8E35-3F2E6B5B6C01 | "
	    "-c | 2 | -m | 1024M | -l | com1,autopty | -s | 0:0,hostbridge | "
	    "-s | 31,lpc | -s | 2:0,virtio-net | -s | "
	    "3:0,ahci-cd,/s/machines/dev/boot2docker.iso | -s | ";
	const char *kexec = " | -f | kexec,/s/machines/dev/vmlinuz64,"
	    "/s/machines/dev/initrd.img,loglevel=3 user=docker console=ttyS0 "
	    "console=tty0 noembed nomodeset norestore base";
	char *want, *got;

	base(&vm);
	want = xasprintf("%s4:0,virtio-blk,/s/machines/dev/dev.rawdisk%s | -F | "
	    "/s/machines/dev/dev.pid", head, kexec);
	got = joined(&vm, 0, 0);
	is_str(got, want, "xhyve, raw disk, no shares");
	free(got);
	free(want);

	want = xasprintf("%s4:0,virtio-blk,/s/machines/dev/dev.rawdisk%s | -M",
	    head, kexec);
	got = joined(&vm, 0, 1);
	is_str(got, want, "xhyve -M (MAC lookup): no pid file");
	free(got);
	free(want);

	vm.disk = "/s/machines/dev/dev.qcow2";
	vm.disk_format = "qcow2";
	want = xasprintf("%s4:0,virtio-blk,file:///s/machines/dev/dev.qcow2,"
	    "format=qcow%s | -F | /s/machines/dev/dev.pid", head, kexec);
	got = joined(&vm, 0, 0);
	is_str(got, want, "xhyve, qcow2 disk");
	free(got);
	free(want);

	vm.shares = sh;
	vm.nshares = 1;
	want = xasprintf("%s4:0,virtio-blk,file:///s/machines/dev/dev.qcow2,"
	    "format=qcow%s | -F | /s/machines/dev/dev.pid | -s | "
	    "5,virtio-9p,host-0=/Users", head, kexec);
	got = joined(&vm, 0, 0);
	is_str(got, want, "xhyve, qcow2, one 9p share in slot 5");
	free(got);
	free(want);

	vm.disk = "/s/machines/dev/dev.rawdisk";
	vm.disk_format = "raw";
	vm.nshares = 3;
	want = xasprintf("%s4:0,virtio-blk,/s/machines/dev/dev.rawdisk%s | -F | "
	    "/s/machines/dev/dev.pid | -s | 5,virtio-9p,host-0=/Users | -s | "
	    "6,virtio-9p,host-1=/Volumes/src | -s | 7,virtio-9p,host-2=/opt/x",
	    head, kexec);
	got = joined(&vm, 0, 0);
	is_str(got, want, "xhyve, raw, three shares in slots 5, 6, 7");
	free(got);
	free(want);

	want = xasprintf("%s4:0,virtio-blk,/s/machines/dev/dev.rawdisk%s | -M",
	    head, kexec);
	got = joined(&vm, 0, 1);
	is_str(got, want, "-M leaves the shares out, as the original");
	free(got);
	free(want);

	vm.cmdline = "a,b c,d";
	vm.nshares = 0;
	got = joined(&vm, 0, 1);
	ok(strstr(got, " | kexec,/s/machines/dev/vmlinuz64,/s/machines/dev/"
	    "initrd.img,a,b c,d | ") != NULL,
	    "a command line with commas stays one argument");
	free(got);
}

static void
test_qemu(void)
{
	struct hv_vm vm;
	struct hv_share sh[1] = { { "/srv/a,b", "host-0" } };
	char *got;

	base(&vm);
	vm.tap_fd = 7;
	vm.qmp_fd = 8;
	vm.mac = "02:11:22:33:44:55";
	vm.serial_log = "/s/machines/dev/console.log";
	got = joined(&vm, 1, 0);
	is_str(got, "qemu-system-x86_64 | -name | guest=dev | -uuid | "
	    "0C5F8A2E-2B0D-4A57-8E35-3F2E6B5B6C01 | -accel | tcg | -smp | 2 | "
	    "-m | 1024M | -nodefaults | -no-user-config | -display | none | "
	    "-kernel | /s/machines/dev/vmlinuz64 | -initrd | "
	    "/s/machines/dev/initrd.img | -append | loglevel=3 user=docker "
	    "console=ttyS0 console=tty0 noembed nomodeset norestore base | "
	    "-drive | file=/s/machines/dev/boot2docker.iso,media=cdrom,"
	    "readonly=on,if=ide | -drive | file=/s/machines/dev/dev.rawdisk,"
	    "format=raw,if=virtio,discard=unmap | -netdev | tap,id=net0,fd=7 | "
	    "-device | virtio-net-pci,netdev=net0,mac=02:11:22:33:44:55 | "
	    "-device | virtio-rng-pci | -chardev | "
	    "socket,id=qmp,fd=8,server=on,wait=off | -mon | "
	    "chardev=qmp,mode=control | -chardev | "
	    "file,id=serial0,path=/s/machines/dev/console.log | -serial | "
	    "chardev:serial0 | -pidfile | /s/machines/dev/dev.pid | -daemonize",
	    "qemu: direct kernel boot, tap and QMP by fd");
	free(got);
	vm.shares = sh;
	vm.nshares = 1;
	vm.kvm = 1;
	got = joined(&vm, 1, 0);
	ok(strstr(got, "-accel | kvm | -cpu | host") != NULL, "kvm adds -cpu host");
	ok(strstr(got, "-fsdev | local,id=fs0,path=/srv/a,,b,security_model=mapped-xattr "
	    "| -device | virtio-9p-pci,fsdev=fs0,mount_tag=host-0") != NULL,
	    "a 9p share, its comma doubled: %s", got);
	free(got);
	char *e = hv_qemu_escape("a,,b,");
	is_str(e, "a,,,,b,,", "hv_qemu_escape doubles every comma");
	free(e);
}

static void
test_parsers(void)
{
	char mac[18], tty[64];
	const char *o;

	o = "MAC: 2:f0:d:60:1:3\n";
	ok(hv_xhyve_parse_mac(o, strlen(o), mac) == 0, "MAC line");
	is_str(mac, "02:f0:0d:60:01:03", "canonical MAC from bootpd's form");
	o = "linkname (null)\nvirtio_net: something\nMAC: 02:F0:0D:60:01:03\r\n";
	ok(hv_xhyve_parse_mac(o, strlen(o), mac) == 0, "among other lines, CRLF");
	is_str(mac, "02:f0:0d:60:01:03", "upper case normalised");
	static const char *const bad[] = { "", "MAC:\n", "MAC: nope\n",
	    "MAC: 1:2:3:4:5\n", "mac: 02:f0:0d:60:01:03\n",
	    "virtio_net: Could not create vmnet interface, permission denied "
	    "or no entitlement?\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(hv_xhyve_parse_mac(bad[i], strlen(bad[i]), mac) == -1,
		    "no MAC in bad output %zu", i);
	o = "linkname (null)\nCOM1 connected to /dev/ttys004\n";
	ok(hv_xhyve_parse_console(o, strlen(o), tty, sizeof tty) == 0 &&
	    strcmp(tty, "/dev/ttys004") == 0, "console tty");
	o = "COM1 connected to nowhere\n";
	ok(hv_xhyve_parse_console(o, strlen(o), tty, sizeof tty) == -1,
	    "not a device path");
	o = "COM1 connected to /dev/ttys004\r\n";
	ok(hv_xhyve_parse_console(o, strlen(o), tty, sizeof tty) == 0 &&
	    strcmp(tty, "/dev/ttys004") == 0, "CRLF dropped");
	static const char *const badtty[] = { "", "COM1 connected to\n",
	    "COM1 connected to \t \r\n", "COM1 connected to /dev/tty s4\n",
	    "COM1 connected to /devttys004\n", "com1 connected to /dev/ttys0\n",
	    "COM1\nconnected to /dev/ttys004\n" };
	for (size_t i = 0; i < sizeof badtty / sizeof badtty[0]; i++)
		ok(hv_xhyve_parse_console(badtty[i], strlen(badtty[i]), tty,
		    sizeof tty) == -1, "no tty in bad output %zu", i);
	o = "COM1 connected to /dev/ttys004\n";
	ok(hv_xhyve_parse_console(o, strlen(o), tty, 12) == -1,
	    "a tty that does not fit the buffer is refused");
	ok(hv_xhyve_parse_console(o, strlen(o), tty, 13) == 0 &&
	    strcmp(tty, "/dev/ttys004") == 0, "one that just fits is not");
	ok(hv_xhyve_parse_console(o, 20, tty, sizeof tty) == -1,
	    "nothing is read past len");
	o = "MAC: 02:f0:0d:60:01:03\n";
	ok(hv_xhyve_parse_mac(o, 15, mac) == -1,
	    "a MAC cut short by len is refused");
	is_str(hv_xhyve_exit_meaning(0), "reset", "exit 0: reset");
	is_str(hv_xhyve_exit_meaning(1), "poweroff", "exit 1: poweroff");
	is_str(hv_xhyve_exit_meaning(2), "halt", "exit 2: halt");
	is_str(hv_xhyve_exit_meaning(3), "triple fault", "exit 3: triple fault");
	is_str(hv_xhyve_exit_meaning(137), "killed by a signal", "137: a signal");
}

int
main(void)
{
	test_xhyve();
	test_qemu();
	test_parsers();
	return tap_done();
}
