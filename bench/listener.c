/*
 * listener: the floor under "plugin start" in make bench. It does what a
 * plugin must before docker-machine can talk to it, and nothing else:
 * listen on 127.0.0.1, print the address, wait to be killed. libc only,
 * none of the driver's code or libraries.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&a, sizeof a) == -1 ||
	    listen(s, 16) == -1 ||
	    getsockname(s, (struct sockaddr *)&a, &len) == -1) {
		perror("listener");
		return 1;
	}
	printf("127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);
	pause();
	return 0;
}
