/*
 * priv: the original driver's privilege model, in one small module.
 *
 * vmnet.framework needs root, so on macOS the hypervisor runs as root: the
 * xhyve/hyperkit binary is owned by root with the setuid bit, and it must
 * not be started under sudo (the files it and we create would then belong
 * to root, and the user could not manage their machines). Files we create
 * are given back to the real user.
 *
 *	struct priv_facts f;
 *	priv_facts_read("/usr/local/bin/hyperkit", &f, &err);
 *	priv_check(&f, &err);		the original's exact messages
 *	priv_give_back(path, &err);	chown to the real user, when setuid
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
/* lchown path to the real user and group when we run setuid (euid 0, a
 * real uid that is not): what the original's "Fix file permission" did. */
int priv_give_back(const char *path, struct xherr *err);

#endif
