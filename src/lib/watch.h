/*
 * watch: wait for a file to change without polling on a timer. Watches the
 * file's directory, so writers that rewrite in place (dnsmasq) and writers
 * that replace the file by rename (bootpd) are both seen.
 *
 *	struct watch *w;
 *	watch_open(&w, "/path/leases", &err);
 *	while (!found) watch_wait(w, 500);	1: changed, 0: timeout, -1: error
 *	watch_close(w);
 *
 * inotify on Linux (watch_linux.c), kqueue on macOS (watch_darwin.c).
 */
#ifndef WATCH_H
#define WATCH_H

#include "xherr.h"

struct watch;

int watch_open(struct watch **out, const char *file, struct xherr *err);
int watch_wait(struct watch *w, int timeout_ms);
void watch_close(struct watch *w);

#endif
