/*
 * sudo for the xhtest guest: boot2docker's passwordless sudo for the docker user.
 *
 * Installed setuid root as /usr/bin/sudo and linked statically. Only the real uids 0
 * and 1000 (docker) may use it; it becomes root (uid, gid, no supplementary groups),
 * sets a root PATH and execs the command. The options callers commonly put in front
 * (-n, -E, -H, -S) are accepted and ignored, "--" ends them. Nothing else of sudo.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DOCKER_UID 1000
#define ROOT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int usage(void)
{
	fprintf(stderr, "usage: sudo [-nEHS] [--] command [arg ...]\n");
	return 1;
}

int main(int argc, char **argv)
{
	uid_t uid = getuid();
	int i = 1;

	if (uid != 0 && uid != DOCKER_UID) {
		fprintf(stderr, "sudo: uid %u may not run commands as root\n", (unsigned)uid);
		return 1;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-n") != 0 && strcmp(argv[i], "-E") != 0 &&
		    strcmp(argv[i], "-H") != 0 && strcmp(argv[i], "-S") != 0)
			return usage();
	}
	if (i >= argc)
		return usage();

	if (setgroups(0, NULL) == -1 || setgid(0) == -1 || setuid(0) == -1) {
		fprintf(stderr, "sudo: cannot become root: %s\n", strerror(errno));
		return 1;
	}
	if (setenv("PATH", ROOT_PATH, 1) == -1) {
		fprintf(stderr, "sudo: cannot set PATH: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "sudo: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
