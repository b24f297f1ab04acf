#include "disk.h"

#include "libarchive.h"
#include "libguestfs.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int64_t
disk_parse_size(const char *s)
{
	int64_t v = 0, unit = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > DISK_MAX_MB)
			return -1;
	}
	switch (*s) {
	case '\0':
		break;
	case 'M': case 'm':
		s++;
		break;
	case 'G': case 'g':
		unit = 1024;
		s++;
		break;
	case 'T': case 't':
		unit = 1024 * 1024;
		s++;
		break;
	default:
		return -1;
	}
	if (*s != '\0' || v == 0 || v > DISK_MAX_MB / unit)
		return -1;
	return v * unit;
}

#define QEMU_IMG_MS 60000

static la_ssize_t
tar_write(struct archive *a, void *ctx, const void *data, size_t n)
{
	buf_add(ctx, data, n);
	return (la_ssize_t)n;
}

static int
tar_add(struct archive *a, const char *name, int type, int mode,
    const void *data, size_t len, struct xherr *err)
{
	struct archive_entry *e = arc.archive_entry_new();
	int rc = 0;

	arc.archive_entry_set_pathname(e, name);
	arc.archive_entry_set_filetype(e, (unsigned)type);
	arc.archive_entry_set_perm(e, (mode_t)mode);
	arc.archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	arc.archive_entry_set_mtime(e, 0, 0);
	arc.archive_entry_set_uid(e, 0);
	arc.archive_entry_set_gid(e, 0);
	if (arc.archive_write_header(a, e) != ARCHIVE_OK ||
	    (len > 0 && arc.archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
	arc.archive_entry_free(e);
	return rc;
}

int
disk_userdata_tar(const char *pubkey, size_t keylen, struct buf *out,
    struct xherr *err)
{
	struct archive *a;
	int rc = -1;

	/* boot2docker keeps only the first 4096 bytes: three 512-byte headers
	 * and the magic's data block come before the key's data. */
	if (keylen > DISK_MAX_KEY)
		return xherr_set(err, XHE_INVAL, "public key of %zu bytes does "
		    "not fit in the 4096 bytes boot2docker reads (at most %d)",
		    keylen, DISK_MAX_KEY);
	if (arc_load(err) == -1)
		return -1;
	a = arc.archive_write_new();
	arc.archive_write_set_format_ustar(a);
	arc.archive_write_set_bytes_per_block(a, 512);
	arc.archive_write_set_bytes_in_last_block(a, 512);
	if (arc.archive_write_open(a, out, NULL, tar_write, NULL) != ARCHIVE_OK) {
		xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
		goto out;
	}
	/* Order and modes as the original driver's generateKeyBundle. */
	if (tar_add(a, DISK_MAGIC, AE_IFREG, 0, DISK_MAGIC,
	    strlen(DISK_MAGIC), err) == -1 ||
	    tar_add(a, ".ssh", AE_IFDIR, 0700, NULL, 0, err) == -1 ||
	    tar_add(a, ".ssh/authorized_keys", AE_IFREG, 0644, pubkey, keylen,
	    err) == -1 ||
	    tar_add(a, ".ssh/authorized_keys2", AE_IFREG, 0644, pubkey, keylen,
	    err) == -1)
		goto out;
	if (arc.archive_write_close(a) != ARCHIVE_OK) {
		xherr_set(err, XHE_FAIL, "cannot build the user-data tar: %s",
		    arc.archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	arc.archive_write_free(a);
	return rc;
}

int
disk_create_raw(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err)
{
	int fd;
	const char *p = data;
	size_t off = 0;

	if (size_mb <= 0 || size_mb > INT64_MAX / 1048576)
		return xherr_set(err, XHE_INVAL, "disk size %lld MB is out of "
		    "range", (long long)size_mb);
	if ((uint64_t)len > (uint64_t)size_mb * 1048576)
		return xherr_set(err, XHE_INVAL, "disk of %lld MB cannot hold "
		    "%zu bytes of user data", (long long)size_mb, len);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1)
		return xherr_sys(err, "cannot create disk %s", path);
	if (ftruncate(fd, (off_t)size_mb * 1048576) == -1) {
		if (errno == EFBIG)
			xherr_set(err, XHE_INVAL, "cannot size disk %s to %lld "
			    "MB: larger than the store's file system can hold "
			    "in one file", path, (long long)size_mb);
		else
			xherr_sys(err, "cannot size disk %s to %lld MB", path,
			    (long long)size_mb);
		goto fail;
	}
	while (off < len) {
		ssize_t w = pwrite(fd, p + off, len - off, (off_t)off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			xherr_sys(err, "cannot write disk %s", path);
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		xherr_sys(err, "cannot write disk %s", path);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	unlink(path);
	return -1;
}

/* Run a tool; a failure is "what: TOOL exited ...: its last line". */
static int
run(char *const argv[], int timeout_ms, const char *what, struct xherr *err)
{
	if (proc_run_ok(argv, timeout_ms, NULL, err) == -1)
		return xherr_wrap(err, "%s", what);
	return 0;
}

int
disk_create_qcow2(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err)
{
	char *seed, *tmp, size[32];
	struct stat st;
	int rc = -1;

	if (lstat(path, &st) == 0)
		return xherr_set(err, XHE_EXISTS, "disk %s already exists", path);
	seed = xasprintf("%s.seed", path);
	tmp = xasprintf("%s.tmp", path);
	unlink(seed);
	unlink(tmp);
	/* The user data at guest byte 0: a small raw image of it, converted
	 * to qcow2 and grown to exactly the requested virtual size. */
	if (disk_create_raw(seed, 1, data, len, err) == -1)
		goto out;
	snprintf(size, sizeof size, "%lldM", (long long)size_mb);
	{
		char *conv[] = { "qemu-img", "convert", "-q", "-f", "raw", "-O",
		    "qcow2", seed, tmp, NULL };
		char *grow[] = { "qemu-img", "resize", "-q", "-f", "qcow2", tmp,
		    size, NULL };
		if (run(conv, QEMU_IMG_MS, "cannot make the qcow2 disk", err) == -1 ||
		    run(grow, QEMU_IMG_MS, "cannot size the qcow2 disk", err) == -1)
			goto out;
	}
	if (rename(tmp, path) == -1) {
		xherr_sys(err, "cannot rename %s to %s", tmp, path);
		goto out;
	}
	rc = 0;
out:
	unlink(seed);
	if (rc == -1)
		unlink(tmp);
	free(seed);
	free(tmp);
	return rc;
}

static void
gfs_quiet(guestfs_h *g, void *arg, const char *msg)
{
	(void)g;
	(void)arg;
	(void)msg;	/* errors are read with guestfs_last_error */
}

static int
gfs_fail(guestfs_h *g, const char *what, struct xherr *err)
{
	const char *e = gfs.guestfs_last_error(g);

	return xherr_set(err, XHE_FAIL, "libguestfs: cannot %s: %s", what,
	    e ? e : "no reason given");
}

/* Everything after the launch: partition, ext4, the user data inside. */
static int
ext4_fill(guestfs_h *g, const void *tar, size_t len, const char *pubkey,
    size_t keylen, struct xherr *err)
{
	struct guestfs_mkfs_opts_argv mk = { GUESTFS_MKFS_OPTS_LABEL_BITMASK,
	    0, NULL, 0, 0, DISK_LABEL };

	if (gfs.guestfs_part_disk(g, "/dev/sda", "mbr") == -1)
		return gfs_fail(g, "partition the disk", err);
	if (gfs.guestfs_mkfs_opts_argv(g, "ext4", "/dev/sda1", &mk) == -1)
		return gfs_fail(g, "make the ext4 file system", err);
	if (gfs.guestfs_mount(g, "/dev/sda1", "/") == -1)
		return gfs_fail(g, "mount the new file system", err);
	/* boot2docker unpacks userdata.tar into /home/docker at every boot;
	 * the key is also where a system that does not would look. */
	if (gfs.guestfs_mkdir_p(g, "/var/lib/boot2docker") == -1 ||
	    gfs.guestfs_write(g, "/var/lib/boot2docker/userdata.tar", tar,
	    len) == -1 ||
	    gfs.guestfs_mkdir_p(g, "/home/docker/.ssh") == -1 ||
	    gfs.guestfs_write(g, "/home/docker/.ssh/authorized_keys", pubkey,
	    keylen) == -1 ||
	    gfs.guestfs_chmod(g, 0700, "/home/docker/.ssh") == -1 ||
	    gfs.guestfs_chmod(g, 0600, "/home/docker/.ssh/authorized_keys") == -1 ||
	    gfs.guestfs_chown(g, DISK_DOCKER_UID, DISK_STAFF_GID,
	    "/home/docker") == -1 ||
	    gfs.guestfs_chown(g, DISK_DOCKER_UID, DISK_STAFF_GID,
	    "/home/docker/.ssh") == -1 ||
	    gfs.guestfs_chown(g, DISK_DOCKER_UID, DISK_STAFF_GID,
	    "/home/docker/.ssh/authorized_keys") == -1)
		return gfs_fail(g, "write the user data", err);
	if (gfs.guestfs_umount_all(g) == -1 || gfs.guestfs_shutdown(g) == -1)
		return gfs_fail(g, "flush the disk", err);
	return 0;
}

/* One libguestfs session over path; *launched says how far it got. */
static int
ext4_session(const char *path, int tcg, const void *tar, size_t len,
    const char *pubkey, size_t keylen, int *launched, struct xherr *err)
{
	struct guestfs_add_drive_opts_argv add = {
	    GUESTFS_ADD_DRIVE_OPTS_FORMAT_BITMASK, 0, "raw", NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	char *tcg_settings[] = { "force_tcg", NULL };
	guestfs_h *g;
	int rc = -1;

	*launched = 0;
	/* The environment (LIBGUESTFS_*) is read once errors go to us, not
	 * to stderr: library code does not print. */
	if ((g = gfs.guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT)) ==
	    NULL)
		return xherr_set(err, XHE_FAIL, "libguestfs: cannot create a "
		    "handle");
	gfs.guestfs_set_error_handler(g, gfs_quiet, NULL);
	if (gfs.guestfs_parse_environment(g) == -1) {
		gfs_fail(g, "use the LIBGUESTFS_* environment", err);
		goto out;
	}
	/* The appliance runs QEMU directly (no libvirt daemon needed). */
	if (getenv("LIBGUESTFS_BACKEND") == NULL &&
	    gfs.guestfs_set_backend(g, "direct") == -1) {
		gfs_fail(g, "choose the direct backend", err);
		goto out;
	}
	if (tcg && gfs.guestfs_set_backend_settings(g, tcg_settings) == -1) {
		gfs_fail(g, "ask for TCG", err);
		goto out;
	}
	if (gfs.guestfs_add_drive_opts_argv(g, path, &add) == -1) {
		gfs_fail(g, "add the disk", err);
		goto out;
	}
	if (gfs.guestfs_launch(g) == -1) {
		gfs_fail(g, "start its appliance", err);
		goto out;
	}
	*launched = 1;
	rc = ext4_fill(g, tar, len, pubkey, keylen, err);
out:
	gfs.guestfs_close(g);
	return rc;
}

int
disk_create_ext4(const char *path, int64_t size_mb, const void *tar,
    size_t len, const char *pubkey, size_t keylen, int tcg,
    void (*say)(void *arg, const char *msg), void *arg, struct xherr *err)
{
	struct xherr kvm = XHERR_INIT;
	int launched;

	if (gfs_load(err) == -1)
		return -1;
	if (disk_create_raw(path, size_mb, NULL, 0, err) == -1)
		return -1;
	say(arg, tcg ? "making the ext4 disk with libguestfs (its appliance "
	    "boots under TCG: tens of seconds)" : "making the ext4 disk with "
	    "libguestfs (its appliance boots first)");
	if (ext4_session(path, tcg, tar, len, pubkey, keylen, &launched,
	    tcg ? err : &kvm) == 0)
		return 0;
	/* KVM that exists but cannot run a guest (these build machines):
	 * the appliance dies at once. Say so and do it under TCG. */
	if (!tcg && !launched) {
		char msg[sizeof kvm.msg + 64];
		snprintf(msg, sizeof msg, "libguestfs could not start with KVM "
		    "(%s); trying again under TCG", kvm.msg);
		say(arg, msg);
		if (ext4_session(path, 1, tar, len, pubkey, keylen, &launched,
		    err) == 0)
			return 0;
	} else if (!tcg) {
		*err = kvm;
	}
	unlink(path);
	return -1;
}

int
disk_resize(const char *path, const char *format, int64_t old_mb,
    int64_t new_mb, struct xherr *err)
{
	char size[32];
	struct stat st;
	int fd;

	/* A link planted in place of the disk must not make us truncate
	 * (or grow) whatever it points to. */
	if (lstat(path, &st) == -1)
		return xherr_sys(err, "cannot stat disk %s", path);
	if (!S_ISREG(st.st_mode))
		return xherr_set(err, XHE_INVAL, "disk %s is %s: refusing to "
		    "resize it", path, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a regular file");
	if (new_mb < old_mb)
		return xherr_set(err, XHE_INVAL, "a disk cannot shrink: %lld MB "
		    "is less than its %lld MB (data past the end would be lost)",
		    (long long)new_mb, (long long)old_mb);
	if (new_mb > DISK_MAX_MB)
		return xherr_set(err, XHE_INVAL, "%lld MB is more than the "
		    "largest disk, %lld MB", (long long)new_mb,
		    (long long)DISK_MAX_MB);
	if (strcmp(format, "raw") == 0) {
		if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			return xherr_sys(err, "cannot open disk %s", path);
		if (ftruncate(fd, (off_t)new_mb * 1048576) == -1 ||
		    fsync(fd) == -1) {
			xherr_sys(err, "cannot grow disk %s", path);
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (strcmp(format, "qcow2") == 0) {
		char *grow[] = { "qemu-img", "resize", "-q", "-f", "qcow2",
		    (char *)path, size, NULL };
		snprintf(size, sizeof size, "%lldM", (long long)new_mb);
		return run(grow, QEMU_IMG_MS, "cannot grow the qcow2 disk", err);
	}
	return xherr_set(err, XHE_INVAL, "%s disks cannot be resized: the "
	    "partition and file system inside would need growing too (raw and "
	    "qcow2 disks can)", format);
}
