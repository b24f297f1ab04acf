/*
 * compat: the few Linux/BSD extensions the shared code uses, given to
 * macOS in terms of what it has. Include after the system headers.
 *
 *   st_mtim                  Darwin calls it st_mtimespec
 *   pipe2, accept4           pipe/accept, then fcntl (not atomic with a
 *                            concurrent fork; the plugin forks only
 *                            with its own lock held)
 *   SOCK_CLOEXEC, _NONBLOCK  socket() type flags, applied with fcntl
 *   MSG_NOSIGNAL             0 before macOS 11, which has it: both
 *                            programs ignore SIGPIPE anyway
 *   O_PATH                   0: a plain O_RDONLY directory descriptor
 *
 * On Linux this header adds nothing. The Darwin half is compiled against
 * macOS's own headers by `make macos` (zig's cross toolchain); see README
 * "What is proven where". File cloning and copy_file_range are in
 * fs_linux.c / fs_darwin.c.
 */
#ifndef COMPAT_H
#define COMPAT_H

#ifdef __APPLE__
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#define st_mtim st_mtimespec
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif
#define O_PATH 0
#define SOCK_CLOEXEC 0x10000000
#define SOCK_NONBLOCK 0x20000000

static inline int
compat_fdflags(int fd, int flags)
{
	if (fd >= 0 && (flags & SOCK_CLOEXEC))
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fd >= 0 && (flags & SOCK_NONBLOCK))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static inline int
compat_socket(int domain, int type, int proto)
{
	return compat_fdflags(socket(domain,
	    type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK), proto), type);
}
#define socket compat_socket

static inline int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	return compat_fdflags(accept(fd, sa, len), flags);
}

static inline int
pipe2(int p[2], int flags)
{
	if (pipe(p) == -1)
		return -1;
	compat_fdflags(p[0], (flags & O_CLOEXEC ? SOCK_CLOEXEC : 0) |
	    (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0));
	compat_fdflags(p[1], (flags & O_CLOEXEC ? SOCK_CLOEXEC : 0) |
	    (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0));
	return 0;
}
#endif

#endif
