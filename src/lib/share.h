/*
 * share: shared folders, pure. Checks a host folder and a guest root,
 * derives where the guest mounts a share, and writes the shell script
 * that mounts them, which machine.c sends to the guest over SSH on every
 * start (mounts do not survive a reboot; the original did the same, §12).
 *
 *	struct share s = { "9p", "/Users", "/xhyve-virtio9p/Users", "host-0" };
 *	struct buf script;
 *	buf_init(&script);
 *	share_mount_script(&s, 1, SHARE_9P_XHYVE, "192.168.64.1", "alice",
 *	    &script);
 *
 * Two kinds:
 *   9p    the hypervisor exports the folder as virtio-9p device tag
 *         "host-N" (xhyve: -s 5+N,virtio-9p,host-N=PATH; QEMU: -fsdev and
 *         virtio-9p-pci with mount_tag host-N); the guest mounts the tag.
 *   nfs   macOS nfsd exports it to the guest's IP (/etc/exports, see
 *         nfs.h); the guest mounts HOST_IP:PATH.
 *
 * Paths go into the script single-quoted; a path with a control byte
 * cannot be quoted for every shell and is refused by share_check_host.
 */
#ifndef SHARE_H
#define SHARE_H

#include "util.h"
#include "xherr.h"

#define SHARE_9P_ROOT "/xhyve-virtio9p"		/* the original's defaults */
#define SHARE_NFS_ROOT "/xhyve-nfsshares"
#define SHARE_MAX 16				/* 9p slots 5..20 */

struct share {
	const char *kind;	/* "9p" or "nfs" */
	const char *host;	/* absolute host folder */
	const char *guest;	/* where the guest mounts it */
	const char *tag;	/* 9p: "host-N"; nfs: NULL */
};

/* How the guest mounts 9p: xhyve's lib9p speaks 9p2000 with the
 * original's uid options; QEMU refuses plain 9p2000, so 9p2000.L. */
enum share_9p_dialect {
	SHARE_9P_XHYVE,
	SHARE_9P_QEMU,
};

/* An absolute path without "." or ".." components, control bytes or a
 * trailing '/' (other than "/" itself); what says which option. */
int share_check_path(const char *what, const char *path, struct xherr *err);
/* root + "/" + host with duplicate slashes folded ("/r" + "/Users" ->
 * "/r/Users"); both checked as above. The result is the caller's. */
char *share_guest_path(const char *root, const char *host,
    struct xherr *err);
/* Append to out a POSIX sh script mounting every share (9p first, then
 * nfs, in the order given); it stops at the first failure. host_ip is the
 * NFS server (the host's side of the network), user the host login name
 * (9p uname). */
void share_mount_script(const struct share *v, int n,
    enum share_9p_dialect dialect, const char *host_ip, const char *user,
    struct buf *out);
/* Append s to out single-quoted for sh ('it'\''s'). */
void share_quote(struct buf *out, const char *s);

#endif
