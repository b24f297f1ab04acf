/*
 * priv: the original driver's privilege model, in one small module.
 *
 * vmnet.framework needs root, so on macOS the hypervisor runs as root: the
 * xhyve/hyperkit binary is owned by root with the setuid bit, and it must
 * not be started under sudo (the files it and we create would then belong
 * to root, and the user could not manage their machines). Setuid, we run
 * with the user's rights and take root back only where it is needed
 * (priv_drop, below), so the files we create are the user's from the
 * start (the original chowned them afterwards: "Fix file permission").
 *
 *	struct priv_facts f;
 *	priv_facts_read("/usr/local/bin/hyperkit", &f, &err);
 *	priv_check(&f, &err);		the original's exact messages
 *
 * priv_check() is pure (facts in, verdict out) so every case is tested on
 * Linux; who enforces it when is the caller's business (machine.c: the
 * xhyve backend on macOS, or when XHINV_PRIV_CHECK=1).
 */
#ifndef PRIV_H
#define PRIV_H

#include <sys/types.h>

#include "xherr.h"

struct priv_facts {
	const char *binary;		/* the hypervisor binary */
	uid_t owner;			/* its owner */
	mode_t mode;			/* its mode bits */
	uid_t ruid, euid;		/* ours */
	const char *sudo_user;		/* $SUDO_USER, or NULL */
};

int priv_facts_read(const char *binary, struct priv_facts *f,
    struct xherr *err);
int priv_check(const struct priv_facts *f, struct xherr *err);

/* Do we run setuid: effective uid root (or dropped from it), real uid a
 * user? */
int priv_setuid(void);
/*
 * Setuid, everything runs with the user's rights but what needs root: both
 * mains call priv_drop() after priv_scrub_env() (the effective uid becomes
 * the user's, the saved one stays root), and the few steps that need root
 * (the bridge, taps, dnsmasq and its files; bootpd's lease file, launchctl,
 * exports, nfsd; xhyve, which vmnet makes root) run between priv_raise()
 * and priv_restore(). So the store, the inventory, machine files, the cache
 * and every path a user could plant in are read and written as the user.
 * Not setuid, these do nothing. The uid is process-wide: the plugin's
 * other threads only read while a step runs as root.
 */
int priv_drop(void);
uid_t priv_raise(void);
void priv_restore(uid_t was);
/*
 * Setuid, the environment is the user's: a setting that names a program
 * root runs, a file root opens or rewrites, or the interface root serves
 * DHCP on would hand root to the user. So, setuid only, those settings
 * are removed (their defaults apply: on macOS bootpd's own lease file,
 * /etc/exports, launchctl and nfsd), and PATH becomes the system's
 * (system directories first). Returns how many were removed. Both mains
 * call it before anything else; the hypervisor binary (XHYVE_BINARY) is
 * kept, since it must be root's and setuid (priv_check, always enforced
 * when setuid).
 */
int priv_scrub_env(void);

#endif
