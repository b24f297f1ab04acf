/*
 * isobench ISO OUTDIR N [nosync]: time reading a boot2docker ISO's kernel,
 * initrd and kernel command line (iso_inspect + iso_extract, as create
 * does) N times; prints the median wall and CPU time in microseconds, and
 * how many bytes were copied from the ISO's extents and how many decoded.
 * Without nosync the wall time includes fsync of the extracted files, as
 * for a machine's own copy; with it, as for the boot-file cache (derived
 * files, recorded and checked instead).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iso.h"
#include "util.h"

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct xherr err = XHERR_INIT;
	struct iso_info info;
	struct timespec t0, t1, c0, c1;
	int n, i;

	struct iso_extract_stats st;
	int flags = 0;

	if (argc == 5 && strcmp(argv[4], "nosync") == 0)
		flags = ISO_EXTRACT_NOSYNC;
	else if (argc != 4) {
		fprintf(stderr, "usage: isobench ISO OUTDIR N [nosync]\n");
		return 2;
	}
	if ((n = atoi(argv[3])) < 1) {
		fprintf(stderr, "isobench: N must be a positive number\n");
		return 2;
	}
	int64_t *us = xcalloc((size_t)n, sizeof *us);
	int64_t *cpu = xcalloc((size_t)n, sizeof *cpu);
	char *k = util_path_join(argv[2], "kernel");
	char *r = util_path_join(argv[2], "initrd");
	for (i = 0; i < n; i++) {
		/* Not timed: freeing the last run's pages is no part of it. */
		unlink(k);
		unlink(r);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		if (iso_inspect(argv[1], &info, &err) == -1 || info.kernel == NULL ||
		    info.initrd == NULL || info.cmdline == NULL) {
			fprintf(stderr, "isobench: %s\n", err.msg[0] ? err.msg :
			    "no kernel, initrd or command line");
			return 1;
		}
		const char *members[2] = { info.kernel, info.initrd };
		const char *dests[2] = { k, r };
		if (iso_extract(argv[1], members, dests, 2, flags, &st, &err) == -1) {
			fprintf(stderr, "isobench: %s\n", err.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		us[i] = (t1.tv_sec - t0.tv_sec) * 1000000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000;
		cpu[i] = (c1.tv_sec - c0.tv_sec) * 1000000 +
		    (c1.tv_nsec - c0.tv_nsec) / 1000;
		iso_info_release(&info);
	}
	qsort(us, (size_t)n, sizeof *us, cmp);
	qsort(cpu, (size_t)n, sizeof *cpu, cmp);
	printf("median_us=%lld cpu_us=%lld copied=%lld decoded=%lld\n",
	    (long long)us[n / 2], (long long)cpu[n / 2], (long long)st.copied,
	    (long long)st.streamed);
	free(us);
	free(cpu);
	free(k);
	free(r);
	return 0;
}
