/* proc: proc_parse_stat over real and malformed /proc/PID/stat text (the
 * rest of proc, spawning and identity, is exercised by the integration
 * tests against real processes). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "tap.h"

/* 52 fields, as Linux 6.1 writes them; the start time (22) is 8001234. */
#define TAIL " 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 8001234 " \
    "2314240 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 " \
    "0 0 0 0 0 0 0 0 0 0\n"

static void
test_good(void)
{
	static const char *const lines[] = {
		"42 (qemu-system-x86) S" TAIL,
		"42 (a b) S" TAIL,			/* a space in the name */
		"42 (x) y) S" TAIL,			/* a ')' in the name */
		"42 ()) S" TAIL,
		"42 (\n) S" TAIL,			/* a newline in the name */
	};
	char state;
	uint64_t start;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		state = 0;
		start = 0;
		ok(proc_parse_stat(lines[i], strlen(lines[i]), &state,
		    &start) == 0 && state == 'S' && start == 8001234,
		    "parsed: line %zu", i);
	}
	const char *z = "7 (dead) Z" TAIL;
	ok(proc_parse_stat(z, strlen(z), &state, &start) == 0 && state == 'Z',
	    "a zombie's state is Z");
	/* The field ends the buffer: no newline, no NUL after it. */
	char cut[64];
	memcpy(cut, "1 (c) R 1 1 0 0 -1 4 0 0 0 0 1 2 0 0 20 0 1 0 99", 48);
	ok(proc_parse_stat(cut, 48, &state, &start) == 0 && start == 99,
	    "the start time may end the text");
}

static void
test_bad(void)
{
	static const char *const lines[] = {
		"",
		"42 qemu S" TAIL,			/* no parentheses */
		"42 (qemu)S" TAIL,			/* no space after ')' */
		"42 (qemu) ",				/* no state */
		"42 (qemu) S",				/* no field after */
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0",
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 ",
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 x",
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 -5",
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12x",
		"42 (qemu) S 1 1 0 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
		    "99999999999999999999",		/* above 2^64 */
	};
	char state;
	uint64_t start;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ok(proc_parse_stat(lines[i], strlen(lines[i]), &state,
		    &start) == -1, "refused: bad[%zu]", i);
	/* Only len bytes count: the tail after them is not read. */
	const char *full = "42 (qemu) S" TAIL;
	ok(proc_parse_stat(full, 20, &state, &start) == -1,
	    "a text cut short is refused");
}

static void
test_self(void)
{
	char buf[1024], state;
	uint64_t start;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	if (f == NULL) {
		ok(0, "cannot open /proc/self/stat");
		return;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ok(proc_parse_stat(buf, n, &state, &start) == 0 && state == 'R' &&
	    start > 0, "this process's own stat: running, started");
}

/* proc_watch_check against a real child: alive through the descriptor,
 * then gone once it exits; another identity is checked in full. */
static void
test_watch(void)
{
	struct proc_watch w = { 0 };
	struct proc_ident id, other;
	char boot[40];
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok(pid > 0 && proc_ident_read(pid, &id, NULL) == 0, "a child and its "
	    "identity");
	if (proc_boot_id(boot, NULL) == 0)
		snprintf(id.boot_id, sizeof id.boot_id, "%s", boot);
	is_int(proc_watch_check(&w, &id), PROC_ALIVE, "alive, checked in full");
	ok(w.active, "and now watched through a descriptor");
	is_int(proc_watch_check(&w, &id), PROC_ALIVE, "alive, from the watch");
	other = id;
	other.start_time++;
	is_int(proc_watch_check(&w, &other), PROC_REUSED, "another start time "
	    "is checked in full: reused");
	ok(!w.active, "and the watch is dropped");
	is_int(proc_watch_check(&w, &id), PROC_ALIVE, "the first one again");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	is_int(proc_watch_check(&w, &id), PROC_GONE, "gone once it exited");
	ok(!w.active, "no watch left");
	proc_watch_release(&w);
}

int
main(void)
{
	test_good();
	test_bad();
	test_self();
	test_watch();
	return tap_done();
}
