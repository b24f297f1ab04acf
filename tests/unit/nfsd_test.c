/* nfsd: /etc/exports replaced only when `nfsd -F CANDIDATE checkexports`
 * accepts it, atomically, with the old file's mode; then `nfsd update`.
 * "true" and "false" stand in for nfsd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfsd.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/nfsd_test.XXXXXX";
	struct xherr err = XHERR_INIT;
	struct stat st;
	struct buf next;
	char *path, *buf = NULL, *cand;
	size_t len;
	int exists = -1;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	path = util_path_join(dir, "exports");
	cand = util_path_join(dir, "exports.candidate");
	ok(nfsd_exports_read(path, &buf, &len, &st, &exists, &err) == 0 &&
	    exists == 0 && buf == NULL && len == 0, "a missing file is empty");
	ok(util_write_atomic(path, "/old\n", 5, 0640, &err) == 0, "a file, 0640");
	ok(nfsd_exports_read(path, &buf, &len, &st, &exists, &err) == 0 &&
	    exists == 1 && len == 5, "read with its stat");
	free(buf);
	buf = NULL;
	buf_init(&next);
	buf_add(&next, "/new\n", 5);
	ok(nfsd_exports_commit(path, dir, "false", &next, &st, 1, &err) == -1 &&
	    strstr(err.msg, "nfsd refuses the new") != NULL,
	    "a text nfsd refuses is not written: %s", err.msg);
	ok(util_read_file(path, 64, &buf, NULL, &err) == 0 &&
	    strcmp(buf, "/old\n") == 0, "the file is as it was");
	free(buf);
	buf = NULL;
	ok(!util_exists(cand), "and the candidate is gone");
	xherr_clear(&err);
	ok(nfsd_exports_commit(path, dir, "true", &next, &st, 1, &err) == 0,
	    "one it accepts is written");
	ok(util_read_file(path, 64, &buf, NULL, &err) == 0 &&
	    strcmp(buf, "/new\n") == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 0777) == 0640, "with the old file's mode");
	ok(!util_exists(cand), "no candidate left");
	free(buf);
	buf_release(&next);
	free(path);
	free(cand);
	util_rm_tree(dir, NULL);
	return tap_done();
}
