/*
 * leasebench DIR N: two figures for bootpd's lease file (issue 5).
 *
 *   parse     parse a 10,000-entry /var/db/dhcpd_leases-style file held in
 *             memory; and read, parse, find one MAC, free, as a waiter
 *             does per change; medians of N runs (microseconds)
 *   latency   from a writer renaming a file that holds a new lease into
 *             place (as bootpd does) to a waiter knowing the IP, with the
 *             calls the lifecycle's wait makes (watch_wait, read, parse,
 *             lease_find); median of N runs (microseconds). The writer is
 *             a child process stamping CLOCK_MONOTONIC just before rename.
 *
 * Prints "parse_median_us=... read_parse_find_median_us=...
 * latency_median_us=... latency_max_us=... reads_per_lease=...".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "util.h"

#include "bench.h"
#include "watch.h"

#define ENTRIES 10000

/* n leases, bootpd's spelling (octets without leading zeros). */
static void
leases(struct buf *b, int n, unsigned long exp)
{
	for (int i = 0; i < n; i++)
		buf_addf(b, "{\n\tname=vm%d\n\tip_address=10.%d.%d.%d\n"
		    "\thw_address=1,2:%x:%x:%x:0:1\n\tidentifier=1,2:%x:%x:%x:0:1\n"
		    "\tlease=0x%lx\n}\n", i, i >> 16 & 255, i >> 8 & 255, i & 255,
		    i >> 16 & 255, i >> 8 & 255, i & 255, i >> 16 & 255,
		    i >> 8 & 255, i & 255, exp);
}

static void
write_plain(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		_exit(1);
}

/*
 * The "bootpd": a process of its own, started before the waiter has
 * allocated anything (a fork later would make the waiter pay copy-on-write
 * faults no real waiter pays). For each byte on cmd: after 20-38 ms, write
 * the whole file aside, stamp the time, rename it into place; ack on done.
 */
static void
writer(int cmd, int done, const char *file, const char *tmp,
    const char *stampf)
{
	struct buf next;
	char c, s[32];
	unsigned i = 0;

	buf_init(&next);
	leases(&next, ENTRIES, 0x7fffffffUL);
	buf_addf(&next, "{\n\tname=new\n\tip_address=192.168.64.9\n"
	    "\thw_address=1,a2:0:0:0:0:9\n\tidentifier=1,a2:0:0:0:0:9\n"
	    "\tlease=0x7fffffff\n}\n");
	while (read(cmd, &c, 1) == 1) {
		usleep(20000 + (i++ % 7) * 3000);
		write_plain(tmp, next.p, next.len);
		snprintf(s, sizeof s, "%lld", (long long)now_us());
		write_plain(stampf, s, strlen(s));
		rename(tmp, file);
		if (write(done, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int
find(const char *path, const char *mac, char ip[IDENT_IP_LEN])
{
	struct lease_set ls;
	const struct lease *l;
	char *buf;
	size_t len;
	int hit = 0;

	if (util_read_file(path, 64 << 20, &buf, &len, NULL) == -1)
		return 0;
	lease_parse_bootpd(buf, len, &ls);
	free(buf);
	if ((l = lease_find(&ls, mac, 0)) != NULL) {
		snprintf(ip, IDENT_IP_LEN, "%s", l->ip);
		hit = 1;
	}
	lease_set_release(&ls);
	return hit;
}

int
main(int argc, char **argv)
{
	struct xherr err = XHERR_INIT;
	struct buf base;
	char *file, *tmp, *stampf, ip[IDENT_IP_LEN], c = 'w';
	int n, i, cmd[2], done[2];
	pid_t pid;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: leasebench DIR N\n");
		return 2;
	}
	file = util_path_join(argv[1], "dhcpd_leases");
	tmp = util_path_join(argv[1], "dhcpd_leases.new");
	stampf = util_path_join(argv[1], "stamp");
	if (pipe(cmd) == -1 || pipe(done) == -1)
		return 1;
	if ((pid = fork()) == 0) {
		close(cmd[1]);
		close(done[0]);
		writer(cmd[0], done[1], file, tmp, stampf);
	}
	close(cmd[0]);
	close(done[1]);
	buf_init(&base);
	leases(&base, ENTRIES, 0x7fffffffUL);
	if (util_write_atomic(file, base.p, base.len, 0644, &err) == -1) {
		fprintf(stderr, "leasebench: %s\n", err.msg);
		return 1;
	}

	/* The parser alone, on the file in memory; then what a waiter
	 * pays per change: read, parse, find, free. */
	int64_t *parse = xcalloc((size_t)n, sizeof *parse);
	int64_t *full = xcalloc((size_t)n, sizeof *full);
	for (i = 0; i < n; i++) {
		struct lease_set ls;
		int64_t t0 = now_us();
		lease_parse_bootpd(base.p, base.len, &ls);
		parse[i] = now_us() - t0;
		if (ls.n != ENTRIES || ls.nbad != 0) {
			fprintf(stderr, "leasebench: parsed %zu leases\n", ls.n);
			return 1;
		}
		lease_set_release(&ls);
		t0 = now_us();
		if (!find(file, "02:00:27:0f:00:01", ip)) {
			fprintf(stderr, "leasebench: lease 9999 not found\n");
			return 1;
		}
		full[i] = now_us() - t0;
	}

	/* The new lease: one more block, at the end, as bootpd appends. */
	int64_t *lat = xcalloc((size_t)n, sizeof *lat), worst = 0, wakes = 0;
	for (i = 0; i < n; i++) {
		struct watch *w;

		util_write_atomic(file, base.p, base.len, 0644, NULL);
		unlink(stampf);
		int64_t t_watch = now_us();
		if (watch_open(&w, file, &err) == -1) {
			fprintf(stderr, "leasebench: %s\n", err.msg);
			return 1;
		}
		if (write(cmd[1], &c, 1) != 1)
			return 1;
		/* As wait_ip: read again when the watch says the file
		 * changed (and after a quiet second, as its safety net). */
		for (;;) {
			int ch = watch_wait(w, 1000);
			if (ch == -1)
				break;
			if (ch == 0 && now_us() - t_watch < 1000000)
				continue;
			wakes++;
			if (find(file, "a2:00:00:00:00:09", ip))
				break;
		}
		int64_t found = now_us();
		if (read(done[0], &c, 1) != 1)
			return 1;
		watch_close(w);
		char *s = NULL;
		if (util_read_file(stampf, 64, &s, NULL, NULL) == -1) {
			fprintf(stderr, "leasebench: no stamp\n");
			return 1;
		}
		lat[i] = found - atoll(s);
		free(s);
		if (lat[i] > worst)
			worst = lat[i];
	}
	printf("entries=%d bytes=%zu parse_median_us=%lld "
	    "read_parse_find_median_us=%lld latency_median_us=%lld "
	    "latency_max_us=%lld reads_per_lease=%.2f\n", ENTRIES, base.len,
	    (long long)median(parse, n), (long long)median(full, n),
	    (long long)median(lat, n), (long long)worst, (double)wakes / n);
	close(cmd[1]);
	waitpid(pid, NULL, 0);
	buf_release(&base);
	free(parse);
	free(full);
	free(lat);
	free(file);
	free(tmp);
	free(stampf);
	return 0;
}
