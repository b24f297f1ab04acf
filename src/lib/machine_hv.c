/*
 * machine_hv: the backends behind one table. Everything that differs
 * between QEMU (Linux: the bridge and dnsmasq, addresses reserved) and
 * xhyve (macOS: vmnet and bootpd, MAC and address learned) is an entry of
 * mi_backends; nothing outside this file compares a backend's name.
 */
#include "machine.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv.h"
#include "net.h"
#include "priv.h"
#include "share.h"
#include "util.h"

#include "machine_int.h"

/* The disk file of a format, in the machine directory (the original's
 * names for raw and qcow2). */
const char *
mi_disk_suffix(const char *format)
{
	if (strcmp(format, "qcow2") == 0)
		return ".qcow2";
	if (strcmp(format, "ext4") == 0)
		return ".ext4disk";
	return ".rawdisk";
}

void
vm_paths_init(const struct inv_machine *m, struct vm_paths *p)
{
	p->qmp = util_path_join(m->dir, "qmp.sock");
	p->serial = util_path_join(m->dir, "console.log");
	p->log = util_path_join(m->dir, mi_backend(m->backend)->log);
	p->pidf = mi_mfile(m, ".pid");
	p->disk = m->disk_path ? xstrdup(m->disk_path) :
	    mi_mfile(m, mi_disk_suffix(m->disk_format));
	p->exitf = mi_mfile(m, ".exit");
}

void
vm_paths_release(struct vm_paths *p)
{
	free(p->qmp);
	free(p->serial);
	free(p->log);
	free(p->pidf);
	free(p->disk);
	free(p->exitf);
}

static void
vm_of(const char *store, const struct inv_machine *m,
    const struct vm_paths *p, const struct mi_shares *sh, struct hv_vm *vm)
{
	memset(vm, 0, sizeof *vm);
	vm->name = m->name;
	vm->uuid = m->uuid;
	vm->cpus = m->cpus;
	vm->memory_mb = m->memory_mb;
	vm->kernel = m->kernel;
	vm->initrd = m->initrd;
	vm->cmdline = m->cmdline;
	vm->iso = m->iso;
	vm->disk = p->disk;
	/* An ext4 disk is a raw image holding a partition table. */
	vm->disk_format = strcmp(m->disk_format, "qcow2") == 0 ? "qcow2" : "raw";
	vm->mac = m->mac;
	vm->tap_fd = -1;
	vm->qmp_fd = -1;
	vm->serial_log = p->serial;
	vm->pidfile = p->pidf;
	vm->store = store;
	vm->log = p->log;
	if (sh != NULL) {
		vm->shares = sh->hv;
		vm->nshares = sh->n9p;
	}
}

/* On macOS (or with XHINV_PRIV_CHECK=1) the original's privilege model
 * holds for the xhyve backend. */
static int
priv_enforce(struct machine_ctx *ctx, struct xherr *err)
{
	struct priv_facts f;
	char *bin;
	int rc;

	if (!ctx->enforce_priv)
		return 0;
	if ((bin = hv_xhyve_binary(err)) == NULL)
		return -1;
	rc = priv_facts_read(bin, &f, err) == -1 ? -1 : priv_check(&f, err);
	free(bin);
	return rc;
}

/* vmnet picks an xhyve machine's MAC from its UUID: ask xhyve (-M), as
 * the original did, and record it. */
static int
xhyve_learn_mac(struct machine_ctx *ctx, struct inv_machine *m,
    int64_t network_id, struct xherr *err)
{
	struct vm_paths p;
	struct hv_vm vm;
	char *bin;
	int rc = -1;

	if ((bin = hv_xhyve_binary(err)) == NULL)
		return -1;
	vm_paths_init(m, &p);
	vm_of(ctx->store, m, &p, NULL, &vm);
	mi_say(ctx, "asking %s for the MAC vmnet gives UUID %s", bin, m->uuid);
	uid_t was = priv_raise();	/* vmnet */
	int mrc = hv_xhyve_mac(&vm, bin, m->mac, err);
	priv_restore(was);
	if (mrc == -1)
		goto out;
	char *det = mi_detail("{s:s,s:s}", "mac", m->mac, "binary", bin);
	if (inv_begin(ctx->inv, err) == -1 || inv_end(ctx->inv,
	    inv_nic_add(ctx->inv, m->id, network_id, m->mac, err) == -1 ||
	    inv_event(ctx->inv, m->id, "mac", -1, det, err) == -1, err) == -1) {
		free(det);
		m->mac[0] = '\0';
		goto out;
	}
	free(det);
	m->network_id = network_id;
	rc = 0;
out:
	vm_paths_release(&p);
	free(bin);
	return rc;
}

static int
launch_qemu(struct machine_ctx *ctx, struct inv_machine *m, struct mi_net *n,
    struct mi_boot *b, const struct vm_paths *p, const struct mi_shares *sh,
    struct xherr *err)
{
	struct hv_vm vm;
	char tap[16];
	int tapfd = -1, qmpfd = -1, rc = -1;

	if (mi_net_up(ctx, n, err) == -1)
		return -1;
	snprintf(tap, sizeof tap, "xht%lld", (long long)m->id);
	uid_t was = priv_raise();
	int trc = net_tap_open(n->cfg.bridge, tap, &tapfd, err);
	priv_restore(was);
	if (trc == -1)
		goto out;
	if ((qmpfd = hv_qemu_qmp_listen(p->qmp, err)) == -1)
		goto out;
	vm_of(ctx->store, m, p, sh, &vm);
	vm.tap_fd = tapfd;
	vm.qmp_fd = qmpfd;
	vm.kvm = hv_qemu_kvm_usable();
	mi_say(ctx, "starting %s (%s, %d CPU, %d MB)", m->name,
	    vm.kvm ? "kvm" : "tcg", m->cpus, m->memory_mb);
	if (hv_qemu_launch(&vm, &b->proc, err) == -1)
		goto out;
	b->launched = 1;
	snprintf(b->accel, sizeof b->accel, "%s", vm.kvm ? "kvm" : "tcg");
	rc = 0;
out:
	if (tapfd != -1)
		close(tapfd);
	if (qmpfd != -1)
		close(qmpfd);
	return rc;
}

static int
launch_xhyve(struct machine_ctx *ctx, struct inv_machine *m, struct mi_net *n,
    struct mi_boot *b, const struct vm_paths *p, const struct mi_shares *sh,
    struct xherr *err)
{
	(void)n;	/* vmnet comes up with xhyve */
	struct hv_vm vm;
	char *bin;
	int rc;

	if ((bin = hv_xhyve_binary(err)) == NULL)
		return -1;
	vm_of(ctx->store, m, p, sh, &vm);
	mi_say(ctx, "starting %s (%s, %d CPU, %d MB)", m->name, bin, m->cpus,
	    m->memory_mb);
	rc = hv_xhyve_launch(&vm, bin, p->exitf, &b->proc, b->console,
	    sizeof b->console, err);
	if (rc == 0) {
		b->launched = 1;
		snprintf(b->accel, sizeof b->accel, "hvf");
		if (b->console[0] != '\0')
			mi_say(ctx, "Hook up your terminal emulator to %s in order "
			    "to connect to your VM", b->console);
	}
	free(bin);
	return rc;
}

/* Is everything QEMU's network needs here? */
static int
precheck_qemu(struct machine_ctx *ctx, struct xherr *err)
{
	static const char *const tools[] = { "qemu-system-x86_64", "dnsmasq",
	    "dhcp_release", "ssh-keygen" };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		char *p = proc_which(tools[i], NULL);
		if (p == NULL)
			return xherr_set(err, XHE_NOTFOUND, "%s is needed and was "
			    "not found in PATH", tools[i]);
		free(p);
	}
	if (geteuid() != 0 && !priv_setuid())
		return xherr_set(err, XHE_PERM, "the shared network needs root "
		    "(a bridge, taps and dnsmasq), as vmnet does on macOS");
	return 0;
}

static int
precheck_xhyve(struct machine_ctx *ctx, struct xherr *err)
{
	char *bin = hv_xhyve_binary(err);

	if (bin == NULL)
		return -1;
	free(bin);
	return priv_enforce(ctx, err);
}

/* QEMU: QMP system_powerdown. */
static int
powerdown_qemu(const struct inv_machine *m, const struct vm_paths *p,
    struct xherr *err)
{
	(void)m;
	return hv_qemu_powerdown(p->qmp, err);
}

/* xhyve turns SIGTERM into the power button. */
static int
powerdown_xhyve(const struct inv_machine *m, const struct vm_paths *p,
    struct xherr *err)
{
	(void)p;
	return proc_signal(&m->proc, SIGTERM, err);
}

static const struct mi_backend backends[] = {
	{ "qemu", "qemu.log", 0, 0, 0, SHARE_9P_QEMU, 1, precheck_qemu, NULL,
	    NULL, launch_qemu, powerdown_qemu },
	{ "xhyve", "xhyve.log", 1, 1, 1, SHARE_9P_XHYVE, 0, precheck_xhyve,
	    priv_enforce, xhyve_learn_mac, launch_xhyve, powerdown_xhyve },
};

const struct mi_backend *
mi_backend_find(const char *name)
{
	if (name == NULL || *name == '\0')
		name = MACHINE_DEFAULT_BACKEND;
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i].name, name) == 0)
			return &backends[i];
	return NULL;
}

const struct mi_backend *
mi_backend(const char *name)
{
	const struct mi_backend *b = mi_backend_find(name);

	return b != NULL ? b : mi_backend_find(NULL);
}
