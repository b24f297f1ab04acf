/*
 * util: the foundation's small helpers, one concern per file:
 *
 *	strv.c	argument vectors		buf.c	byte buffers
 *	file.c	atomic writes, reads, copies, directories below the store
 *	lock.c	flock()ed lock files		usage.c	disk usage (du)
 *	util.c	clocks, path joining		fs_*.c	reflink, per platform
 *
 * Files that must never be seen half-written go through util_write_atomic()
 * (temporary name in the same directory, fsync, rename, fsync directory).
 * util_rm_tree() never follows symbolic links, so a link planted inside a
 * machine directory cannot make it delete anything outside.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "xherr.h"

/* A NULL-terminated, growable argument vector. */
struct strv {
	char **v;
	size_t n, cap;
};

void strv_init(struct strv *sv);
void strv_add(struct strv *sv, const char *s);
void strv_addf(struct strv *sv, const char *fmt, ...) XH_PRINTF(2, 3);
void strv_release(struct strv *sv);
/* Join with spaces, for logs and golden tests. The result is the caller's. */
char *strv_join(const struct strv *sv, const char *sep);

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

void buf_init(struct buf *b);
/* Room for n more bytes (and the NUL) without another allocation. */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_addf(struct buf *b, const char *fmt, ...) XH_PRINTF(2, 3);
void buf_addc(struct buf *b, char c);
/* Drop trailing white space (a command's final newline). */
void buf_rtrim(struct buf *b);
/* NUL-terminate and return the string; b still owns it. */
const char *buf_str(struct buf *b);
void buf_release(struct buf *b);

int64_t util_now_ms(void);
/* Monotonic clock in milliseconds, for timeouts and durations. */
int64_t util_mono_ms(void);
void util_sleep_ms(int ms);

/* mkdir -p with mode for every created component. */
int util_mkdir_p(const char *path, mode_t mode, struct xherr *err);
/* mkdir -p of path, which must lie inside base (the store): base may be
 * reached through links, but a component below it that is a symbolic link
 * is refused, never followed (what root creates in a user's store). */
int util_mkdir_in(const char *base, const char *path, mode_t mode,
    struct xherr *err);
/* Open the directory path, which must lie inside base (the store), as a
 * descriptor: base may be reached through links, every component below it
 * is opened with O_NOFOLLOW, so the descriptor is the directory really at
 * that place (what root then works in, with *at calls, cannot be swapped
 * under it). */
int util_open_dir_in(const char *base, const char *path, struct xherr *err);
/* util_write_atomic of name in the directory dfd (dir names it in
 * messages); neither the temporary file nor name is reached through a
 * link. */
int util_write_atomic_at(int dfd, const char *dir, const char *name,
    const void *data, size_t len, mode_t mode, struct xherr *err);
/* Write data to path atomically with the given mode. */
int util_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct xherr *err);
/*
 * util_write_atomic giving the new file the owner, group and mode of like
 * (rewriting a file that is not ours: /var/db/dhcpd_leases), like being
 * path's stat when it was read. If path is no longer that file when the
 * new one is ready (its daemon wrote it meanwhile), nothing is replaced
 * and the error is XHE_STATE: read it again and retry.
 */
int util_write_atomic_as(const char *path, const void *data, size_t len,
    const struct stat *like, struct xherr *err);
/* Streaming form of util_write_atomic: open, write, then commit (fsync and
 * rename) or abort (unlink). After commit or abort the struct is empty. */
struct util_atomic {
	int fd;
	char *tmp;
	char *path;
};
int util_atomic_open(struct util_atomic *a, const char *path, mode_t mode,
    struct xherr *err);
int util_atomic_write(struct util_atomic *a, const void *data, size_t len,
    struct xherr *err);
int util_atomic_commit(struct util_atomic *a, struct xherr *err);
/* sync 0: rename without fsync, for a file derived from another that is
 * derived again when lost (a crash of the host can leave it torn: the
 * caller records what it should be and checks). */
int util_atomic_commit_as(struct util_atomic *a, int sync, struct xherr *err);
void util_atomic_abort(struct util_atomic *a);
/* Read a whole file (at most max bytes, else XHE_INVAL). *out is the caller's
 * and NUL-terminated; *len excludes the NUL. */
int util_read_file(const char *path, size_t max, char **out, size_t *len,
    struct xherr *err);
/* Copy src to dst (reflink when the file system can, else a byte copy),
 * through a temporary name; dst never exists half-written. */
/* Feed the first len bytes of fd into h (path names it in errors). */
struct sha256;
int util_hash_fd(int fd, int64_t len, struct sha256 *h, struct xherr *err,
    const char *path);
/* Copy len bytes of in from off to out's position: in the kernel where
 * it can (copy_file_range), else read and write. -1 with errno. */
int util_copy_range(int in, off_t off, off_t len, int out);
int util_copy_file(const char *src, const char *dst, mode_t mode,
    struct xherr *err);
/* Give dst the content of src without copying bytes where the file system
 * allows: a reflink (a copy-on-write clone), else a hard link (the same
 * inode: whoever rewrites it in place changes both), else a copy. *how
 * says which ("reflink", "hardlink", "copy"). dst must not exist. */
int util_share_file(const char *src, const char *dst, const char **how,
    struct xherr *err);
/* Take an exclusive flock on path (created 0644 and opened read-only, so
 * a lock file root made for a setuid user the user can lock too), waiting
 * as long as it takes; *cancel (may be NULL) interrupts. waiting(arg) is called once if
 * the lock is busy. The lock goes with the descriptor (*fdp), so a crashed
 * holder never leaves it held. */
int util_lock(const char *path, volatile sig_atomic_t *cancel,
    void (*waiting)(void *arg), void *arg, int *fdp, struct xherr *err);
/* util_lock without waiting: 1 taken (*fdp set), 0 another holds it. */
int util_trylock(const char *path, int *fdp, struct xherr *err);
/* Remove a directory tree without following symbolic links. A missing path
 * is not an error. */
int util_rm_tree(const char *path, struct xherr *err);
int util_exists(const char *path);
/* Apparent and allocated size of a file, in bytes. */
int util_file_size(const char *path, int64_t *apparent, int64_t *allocated,
    struct xherr *err);

/* The last line of s (len bytes) that is not empty, trailing white space
 * dropped: what a program said last (its reason for failing). NULL when
 * there is none; else the caller's. */
char *util_last_line(const char *s, size_t len);
/* util_last_line of a file (its first MB); NULL when unreadable or empty. */
char *util_file_last_line(const char *path);
/* The last component of p (in p), and everything before it ("." without
 * a '/', "/" for "/x"; the caller's). No normalisation, no I/O. */
const char *util_base_name(const char *p);
char *util_dir_name(const char *p);
/* "a/b" joined; the result is the caller's. */
char *util_path_join(const char *a, const char *b);

/*
 * Disk usage of files and trees, symbolic links never followed. A file is
 * counted once per struct util_usage, where it is first met: counting the
 * cache and then the machines charges a hard-linked ISO to the cache, and
 * counting a machine's disk and then its directory leaves the rest.
 *	struct util_usage u = { 0 };
 *	struct util_size s = { 0 };
 *	util_usage(&u, "/store/cache", &s, &err);	s.allocated ...
 *	util_usage_release(&u);
 */
struct util_size {
	int64_t apparent;	/* bytes (st_size of regular files) */
	int64_t allocated;	/* bytes on disk (st_blocks * 512) */
	int64_t files;		/* regular files counted */
	int64_t shared;		/* names of files already counted */
};
struct util_inode;
struct util_usage {
	struct util_inode *seen;
	size_t nseen, capseen;
};
/* Add path (a file or a tree) to out; a missing path adds nothing. */
int util_usage(struct util_usage *u, const char *path, struct util_size *out,
    struct xherr *err);
void util_usage_release(struct util_usage *u);
/* "0 B", "512 B", "1.5 KiB", "20.0 GiB": binary units, one decimal. */
void util_human_bytes(int64_t n, char *out, size_t len);

#endif
