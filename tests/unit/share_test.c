/* share: path checks, guest paths, quoting and the mount scripts (golden). */
#include <stdlib.h>
#include <string.h>

#include "share.h"
#include "tap.h"

static void
test_paths(void)
{
	static const char *const bad[] = { "", "Users", "./x", "/a/../b",
	    "/a/./b", "/a/", "/a/..", "/a\nb", "/a\tb", "/\x7f" };
	struct xherr err = XHERR_INIT;
	char *g;

	ok(share_check_path("share", "/", &err) == 0, "/ is a path");
	ok(share_check_path("share", "/Users/a b/it's", &err) == 0,
	    "spaces and quotes are allowed (the script quotes them)");
	ok(share_check_path("share", "/a..b/.c/..d", &err) == 0,
	    "dots inside names are fine");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xherr_clear(&err);
		ok(share_check_path("9p share", bad[i], &err) == -1 &&
		    err.code == XHE_INVAL && strncmp(err.msg, "9p share", 8) == 0,
		    "refused: bad[%zu] (%s)", i, err.msg);
	}
	ok(share_check_path("share", NULL, &err) == -1, "NULL is refused");

	g = share_guest_path("/xhyve-virtio9p", "/Users", &err);
	is_str(g, "/xhyve-virtio9p/Users", "root + host");
	free(g);
	g = share_guest_path("/", "/Users/x", &err);
	is_str(g, "/Users/x", "the root / adds nothing");
	free(g);
	g = share_guest_path("/r//s", "//Users///x", &err);
	is_str(g, "/r/s/Users/x", "duplicate slashes are folded (the original "
	    "left /xhyve-nfsshares//Users)");
	free(g);
	g = share_guest_path("/r", "/", &err);
	is_str(g, "/r", "sharing / itself");
	free(g);
	xherr_clear(&err);
	ok(share_guest_path("r", "/x", &err) == NULL &&
	    strstr(err.msg, "share root"), "a relative root is refused");
	xherr_clear(&err);
	ok(share_guest_path("/r", "/x/../y", &err) == NULL &&
	    strstr(err.msg, "share \"/x/../y\""), "so is a host path with ..");
}

static void
test_quote(void)
{
	struct buf b;

	buf_init(&b);
	share_quote(&b, "plain");
	share_quote(&b, "");
	share_quote(&b, "it's");
	share_quote(&b, "$(rm -rf /) `x` \"y\" \\");
	is_str(buf_str(&b), "'plain''''it'\\''s''$(rm -rf /) `x` \"y\" \\'",
	    "single quotes; a quote becomes '\\''");
	buf_release(&b);
}

static void
test_scripts(void)
{
	struct share v[] = {
		{ "nfs", "/Volumes/data", "/xhyve-nfsshares/Volumes/data", NULL },
		{ "9p", "/Users", "/xhyve-virtio9p/Users", "host-0" },
		{ "9p", "/src/it's", "/m/src/it's", "host-1" },
	};
	struct buf b;

	buf_init(&b);
	share_mount_script(v + 1, 1, SHARE_9P_XHYVE, "192.168.64.1", "alice",
	    &b);
	is_str(buf_str(&b), "set -e\n"
	    "sudo mkdir -p '/xhyve-virtio9p/Users'\n"
	    "sudo mount -t 9p -o version=9p2000 -o trans=virtio -o uname='alice' "
	    "-o dfltuid=$(id -u docker) -o dfltgid=50 -o access=any 'host-0' "
	    "'/xhyve-virtio9p/Users'\n",
	    "xhyve, one 9p share: the original's options");
	b.len = 0;
	share_mount_script(v + 1, 2, SHARE_9P_QEMU, "192.168.64.1", "alice", &b);
	is_str(buf_str(&b), "set -e\n"
	    "sudo mkdir -p '/xhyve-virtio9p/Users'\n"
	    "sudo mount -t 9p -o trans=virtio,version=9p2000.L,access=any "
	    "'host-0' '/xhyve-virtio9p/Users'\n"
	    "sudo mkdir -p '/m/src/it'\\''s'\n"
	    "sudo mount -t 9p -o trans=virtio,version=9p2000.L,access=any "
	    "'host-1' '/m/src/it'\\''s'\n",
	    "QEMU, two 9p shares: 9p2000.L, a quote in a path");
	b.len = 0;
	share_mount_script(v, 3, SHARE_9P_XHYVE, "192.168.64.1", "alice", &b);
	ok(strstr(buf_str(&b), "'host-1' '/m/src/it'\\''s'\n"
	    "sudo /usr/local/etc/init.d/nfs-client start\n"
	    "sudo mkdir -p '/xhyve-nfsshares/Volumes/data'\n"
	    "sudo mount -t nfs -o noacl,async '192.168.64.1:/Volumes/data' "
	    "'/xhyve-nfsshares/Volumes/data'\n") != NULL,
	    "9p first, then the NFS client and the NFS shares");
	b.len = 0;
	share_mount_script(v, 0, SHARE_9P_XHYVE, "192.168.64.1", "alice", &b);
	is_str(buf_str(&b), "set -e\n", "no shares: nothing to mount");
	buf_release(&b);
}

int
main(void)
{
	test_paths();
	test_quote();
	test_scripts();
	return tap_done();
}
