/*
 * diskbench DIR N: time making a 20 GB machine disk in each format, as
 * create does (the user-data tar included): raw and qcow2 N times each,
 * ext4 (libguestfs: an appliance VM boots) twice. Prints the medians in
 * microseconds: "raw_us=... qcow2_us=... ext4_us=...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "util.h"

#include "bench.h"

#define SIZE_MB 20000

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int64_t
run(const char *dir, const char *fmt, int n, const struct buf *tar,
    const char *key)
{
	int64_t *t = xcalloc((size_t)n, sizeof *t), med;
	char *path = xasprintf("%s/bench.%s", dir, fmt);

	for (int i = 0; i < n; i++) {
		struct xherr err = XHERR_INIT;
		int64_t t0 = now_us();
		int rc = fmt[0] == 'r' ? disk_create_raw(path, SIZE_MB, tar->p,
		    tar->len, &err) : fmt[0] == 'q' ? disk_create_qcow2(path,
		    SIZE_MB, tar->p, tar->len, &err) : disk_create_ext4(path,
		    SIZE_MB, tar->p, tar->len, key, strlen(key), 1, quiet, NULL,
		    &err);
		t[i] = now_us() - t0;
		if (rc == -1) {
			fprintf(stderr, "diskbench: %s: %s\n", fmt, err.msg);
			exit(1);
		}
		unlink(path);
	}
	med = median(t, n);
	free(t);
	free(path);
	return med;
}

int
main(int argc, char **argv)
{
	static const char key[] = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ bench\n";
	struct xherr err = XHERR_INIT;
	struct buf tar;
	int n;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: diskbench DIR N\n");
		return 2;
	}
	buf_init(&tar);
	if (disk_userdata_tar(key, sizeof key - 1, &tar, &err) == -1) {
		fprintf(stderr, "diskbench: %s\n", err.msg);
		return 1;
	}
	printf("raw_us=%lld", (long long)run(argv[1], "raw", n, &tar, key));
	printf(" qcow2_us=%lld", (long long)run(argv[1], "qcow2", n, &tar, key));
	printf(" ext4_us=%lld\n", (long long)run(argv[1], "ext4", 2, &tar, key));
	buf_release(&tar);
	return 0;
}
