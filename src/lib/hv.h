/*
 * hv: hypervisor backends. A struct hv_vm says what to boot; each backend
 * turns it into an argv (pure, golden-tested) and runs it.
 *
 * QEMU (Linux): direct kernel boot like xhyve's kexec, the ISO as a CD, the
 * disk on virtio, the network through a tap fd we pass, a QMP socket we
 * create and pass (so long store paths work), the serial console logged in
 * the machine directory. `-daemonize` makes QEMU report start-up errors
 * through its exit status before it detaches.
 *
 *	hv_qemu_launch(&vm, &ident, &err);	-> the VM's process identity
 *	hv_qemu_powerdown(qmp_path, &err);	ACPI power button
 */
#ifndef HV_H
#define HV_H

#include "proc.h"
#include "util.h"
#include "xherr.h"

struct hv_share {
	const char *path;		/* host directory */
	const char *tag;		/* 9p mount tag, "host-0" ... */
};

struct hv_vm {
	const char *name;
	const char *uuid;
	int cpus;
	int memory_mb;
	const char *store;		/* the store the machine directory is in */
	const char *kernel;		/* files in the machine directory */
	const char *initrd;
	const char *cmdline;
	const char *iso;
	const char *disk;
	const char *disk_format;	/* "raw", "qcow2" */
	const char *mac;
	int tap_fd;			/* QEMU: -1 for no network */
	int qmp_fd;			/* QEMU: listening QMP socket */
	const char *serial_log;		/* QEMU: console output file */
	const char *pidfile;
	const char *log;		/* hypervisor's own stderr */
	int kvm;			/* QEMU: use KVM instead of TCG */
	const struct hv_share *shares;
	int nshares;
};

/* Double the commas in a QEMU option value; the result is the caller's. */
char *hv_qemu_escape(const char *s);
/* The QEMU argv for vm (pure). */
void hv_qemu_argv(const struct hv_vm *vm, struct strv *argv);
/* Does KVM work here? Only when the CPU shows vmx/svm and /dev/kvm opens
 * (these build machines have a /dev/kvm that cannot boot a stock kernel).
 * XHINV_ACCEL=tcg|kvm overrides. */
int hv_qemu_kvm_usable(void);
/* Create and listen on the QMP socket at path; returns the fd. */
int hv_qemu_qmp_listen(const char *path, struct xherr *err);
int hv_qemu_launch(const struct hv_vm *vm, struct proc_ident *out,
    struct xherr *err);
int hv_qemu_powerdown(const char *qmp_path, struct xherr *err);

/*
 * xhyve (macOS): an external xhyve or hyperkit, with the original driver's
 * argv byte for byte (docs/original-driver.md §7.1):
 *	xhyve -A -U UUID -c CPUS -m MEMM -l com1,autopty
 *	      -s 0:0,hostbridge -s 31,lpc -s 2:0,virtio-net
 *	      -s 3:0,ahci-cd,ISO -s 4:0,virtio-blk,DISK
 *	      -f kexec,KERNEL,INITRD,CMDLINE
 * then -F PIDFILE and one -s 5+N,virtio-9p,host-N=PATH per share to run,
 * or -M (print the vmnet MAC and exit) to learn the MAC.
 *
 * It runs under a small supervisor process of ours that waits for it and
 * writes its exit status to a file: 0 reset, 1 poweroff, 2 halt, 3 triple
 * fault. Stop is SIGTERM (xhyve turns it into the ACPI power button), then
 * SIGKILL after a timeout.
 */
/* XHYVE_BINARY, else xhyve in PATH, else hyperkit; the caller's. */
char *hv_xhyve_binary(struct xherr *err);
/* mac_lookup: -M instead of -F and the shares. */
void hv_xhyve_argv(const struct hv_vm *vm, const char *binary, int mac_lookup,
    struct strv *argv);
/* "MAC: 2:f0:d:60:1:3" in xhyve -M output -> canonical MAC (pure). */
int hv_xhyve_parse_mac(const char *out, size_t len, char mac[18]);
/* "COM1 connected to /dev/ttys004" in xhyve's output -> the tty (pure). */
int hv_xhyve_parse_console(const char *out, size_t len, char *tty, size_t n);
const char *hv_xhyve_exit_meaning(int code);
int hv_xhyve_mac(const struct hv_vm *vm, const char *binary, char mac[18],
    struct xherr *err);
/* Start it; once its pid file appears, out is its identity and console its
 * tty (may be ""). vm->log receives its output; exitfile its status. */
int hv_xhyve_launch(const struct hv_vm *vm, const char *binary,
    const char *exitfile, struct proc_ident *out, char *console, size_t n,
    struct xherr *err);
/* The status the supervisor recorded: 0 and *code (exit code, or 128+signal)
 * when there is one (the file is then removed), -1 otherwise. */
int hv_xhyve_exit_status(const char *exitfile, int *code);

#endif
