#include "priv.h"
#include "util.h"

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

int
priv_check(const struct priv_facts *f, struct xherr *err)
{
	/* The original looked at the owner only (its bug 13.13): without
	 * the setuid bit the binary does not run as root either. */
	if (f->owner != 0 || !(f->mode & S_ISUID))
		return xherr_set(err, XHE_PERM, "%s binary needs root owner and "
		    "uid. See https://github.com/zchee/docker-machine-driver-xhyve"
		    "#install", util_base_name(f->binary));
	if (f->ruid == 0 || (f->sudo_user != NULL && *f->sudo_user != '\0'))
		return xherr_set(err, XHE_PERM, "%s needs to be executed with the "
		    "privileges of the user. please remove sudo on execute command",
		    util_base_name(f->binary));
	return 0;
}

static int dropped;	/* priv_drop ran: euid is the user's, saved uid root */
static int decided;	/* priv_drop ran: dropped says it all, no syscalls */

int
priv_setuid(void)
{
	if (decided)
		return dropped;
	return geteuid() == 0 && getuid() != 0;
}

int
priv_drop(void)
{
	if (dropped || !(geteuid() == 0 && getuid() != 0)) {
		decided = 1;
		return 0;
	}
	if (seteuid(getuid()) == -1)
		return -1;
	dropped = decided = 1;
	return 0;
}

uid_t
priv_raise(void)
{
	uid_t was = geteuid();

	/* A failure leaves us the user: the step then fails for want of
	 * root, and says so. */
	if (dropped && was != 0)
		(void)seteuid(0);
	return was;
}

void
priv_restore(uid_t was)
{
	if (dropped && geteuid() != was)
		(void)seteuid(was);
}

/* What root runs, opens or rewrites, named by the environment. */
static const char *const root_acts_on[] = {
	"XHINV_BOOTPD_LEASES", "XHINV_BOOTPD_RELOAD", "XHINV_EXPORTS",
	"XHINV_NFSD", "XHINV_LIBGUESTFS", "XHINV_PRIV_CHECK", "XHINV_CRASH_AT",
	"XHINV_BRIDGE", "XHINV_SUBNET",
};

/* Whole families: libguestfs and supermin take their programs, appliance
 * and kernel from these. */
static const char *const root_acts_on_prefix[] = { "LIBGUESTFS_", "SUPERMIN_" };

int
priv_scrub_env(void)
{
	extern char **environ;
	size_t i, j;
	int n = 0;

	if (!priv_setuid())
		return 0;
	for (i = 0; i < sizeof root_acts_on / sizeof root_acts_on[0]; i++)
		if (getenv(root_acts_on[i]) != NULL) {
			unsetenv(root_acts_on[i]);
			n++;
		}
	for (j = 0; j < sizeof root_acts_on_prefix / sizeof root_acts_on_prefix[0];
	    j++) {
		const char *pre = root_acts_on_prefix[j];
		size_t len = strlen(pre);
		for (i = 0; environ[i] != NULL; ) {
			const char *eq = strchr(environ[i], '=');
			if (strncmp(environ[i], pre, len) == 0 && eq != NULL) {
				char *name = xstrndup(environ[i],
				    (size_t)(eq - environ[i]));
				int gone = unsetenv(name) == 0;
				free(name);
				if (gone) {
					n++;
					continue;	/* environ shifted down */
				}
			}
			i++;
		}
	}
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:"
	    "/usr/local/bin:/opt/homebrew/bin", 1);
	return n;
}
