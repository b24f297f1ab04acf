/*
 * fake-sshd IP: the guest side of fake-xhyve. Listens on IP:22 and sends
 * each connection an SSH banner, which is all the lifecycle's "answers
 * SSH" check reads. SIGTERM ends it. Test code only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static const char banner[] = "SSH-2.0-xhinv-fake-guest\r\n";
	struct sockaddr_in sa;
	int s, one = 1;

	if (argc != 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(22);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(s, 16) == -1) {
		perror("fake-sshd");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c == -1)
			continue;
		if (write(c, banner, sizeof banner - 1) < 0)
			perror("fake-sshd");
		close(c);
	}
}
