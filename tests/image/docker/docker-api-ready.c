/*
 * docker-api-ready for the xhdocker guest: exit 0 when the Docker API answers.
 *
 *	docker-api-ready [SOCKET]	(default /var/run/docker.sock)
 *
 * Sends GET /_ping over the daemon's unix socket and succeeds only on an HTTP 200 reply.
 * Under emulation dockerd creates its socket tens of seconds before the API answers, so
 * the socket's existence proves nothing: /etc/init.d/docker start polls this instead.
 * Gives up after 5 s (exit 1). Linked statically: it needs nothing from the guest.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/var/run/docker.sock";
	static const char req[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
	struct sockaddr_un sa;
	char buf[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "docker-api-ready: %s: path too long\n", path);
		return 2;
	}
	alarm(5);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
		return 1;
	while (got < sizeof buf - 1 &&
	    (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	/* "HTTP/1.0 200 OK" or "HTTP/1.1 200 OK" */
	return strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0 ? 0 : 1;
}
