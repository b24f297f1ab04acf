/* priv: the original's privilege checks and their exact messages. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"
#include "tap.h"

int
main(void)
{
	struct priv_facts f = { "/usr/local/bin/hyperkit", 0, S_IFREG | 04755,
	    501, 0, NULL };
	struct xherr err = XHERR_INIT;

	ok(priv_check(&f, &err) == 0, "root-owned, setuid, run by a user: ok");
	f.owner = 501;
	ok(priv_check(&f, &err) == -1 && err.code == XHE_PERM, "user-owned");
	is_str(err.msg, "hyperkit binary needs root owner and uid. See "
	    "https://github.com/zchee/docker-machine-driver-xhyve#install",
	    "the original's message");
	f.owner = 0;
	f.mode = S_IFREG | 0755;
	xherr_clear(&err);
	ok(priv_check(&f, &err) == -1 && strstr(err.msg, "needs root owner"),
	    "root-owned without the setuid bit is refused too (the original "
	    "missed this)");
	f.mode = S_IFREG | 04755;
	f.ruid = 0;
	xherr_clear(&err);
	ok(priv_check(&f, &err) == -1, "run by root (sudo)");
	is_str(err.msg, "hyperkit needs to be executed with the privileges of "
	    "the user. please remove sudo on execute command",
	    "the original's message");
	f.ruid = 501;
	f.sudo_user = "alice";
	xherr_clear(&err);
	ok(priv_check(&f, &err) == -1 && strstr(err.msg, "remove sudo"),
	    "SUDO_USER set: also sudo");
	f.sudo_user = "";
	ok(priv_check(&f, &err) == 0, "an empty SUDO_USER is not sudo");

	/* Reading the facts of a real file. */
	char path[] = "/tmp/priv_test.XXXXXX";
	int fd = mkstemp(path);
	struct priv_facts g;
	close(fd);
	chmod(path, 04755);
	ok(priv_facts_read(path, &g, &err) == 0, "facts of a file");
	ok((g.mode & S_ISUID) && g.owner == getuid() && g.ruid == getuid(),
	    "owner, setuid bit and our uid");
	ok(priv_facts_read("/nonexistent/xhyve", &g, &err) == -1 &&
	    strstr(err.msg, "/nonexistent/xhyve"), "a missing binary is named");
	unlink(path);
	/* Not setuid: no drop, no scrub, raise and restore change nothing. */
	setenv("XHINV_BOOTPD_RELOAD", "kept", 1);
	ok(!priv_setuid() && priv_drop() == 0 && !priv_setuid(),
	    "not setuid: priv_drop does nothing");
	ok(priv_scrub_env() == 0 && getenv("XHINV_BOOTPD_RELOAD") != NULL,
	    "and the environment is kept");
	uid_t e = geteuid(), was = priv_raise();
	ok(was == e && geteuid() == e, "priv_raise changes nothing");
	priv_restore(was);
	ok(geteuid() == e, "nor does priv_restore");
	return tap_done();
}
