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

#endif
