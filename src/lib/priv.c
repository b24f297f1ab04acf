#include "priv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
priv_facts_read(const char *binary, struct priv_facts *f, struct xherr *err)
{
	struct stat st;

	memset(f, 0, sizeof *f);
	if (stat(binary, &st) == -1)
		return xherr_sys(err, "cannot stat %s", binary);
	f->binary = binary;
	f->owner = st.st_uid;
	f->mode = st.st_mode;
	f->ruid = getuid();
	f->euid = geteuid();
	f->sudo_user = getenv("SUDO_USER");
	return 0;
}

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int
priv_check(const struct priv_facts *f, struct xherr *err)
{
	/* The original looked at the owner only (its bug 13.13): without
	 * the setuid bit the binary does not run as root either. */
	if (f->owner != 0 || !(f->mode & S_ISUID))
		return xherr_set(err, XHE_PERM, "%s binary needs root owner and "
		    "uid. See https://github.com/zchee/docker-machine-driver-xhyve"
		    "#install", base(f->binary));
	if (f->ruid == 0 || (f->sudo_user != NULL && *f->sudo_user != '\0'))
		return xherr_set(err, XHE_PERM, "%s needs to be executed with the "
		    "privileges of the user. please remove sudo on execute command",
		    base(f->binary));
	return 0;
}

int
priv_give_back(const char *path, struct xherr *err)
{
	uid_t ruid = getuid();

	if (geteuid() != 0 || ruid == 0)
		return 0;
	if (lchown(path, ruid, getgid()) == -1)
		return xherr_sys(err, "cannot give %s back to uid %d", path,
		    (int)ruid);
	return 0;
}
