/*
 * libguestfs, loaded on first use. The only place that names libguestfs's
 * shared object; disk.c makes ext4 disks through the table below.
 *
 * Why lazily: libguestfs links some forty libraries (libvirt, augeas,
 * hivex, ...) that every xhinv and plugin start would pay for, while only
 * a create with --disk-format ext4 needs it; and a host without it still
 * makes raw and qcow2 disks, with one clear line when ext4 is asked for.
 *
 *	if (gfs_load(&err) == -1) return -1;
 *	guestfs_h *g = gfs.guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT);
 *
 * gfs_load() is thread-safe and cheap after the first call. The types come
 * from libguestfs's own header, so the compiler checks every call.
 */
#ifndef LIBGUESTFS_H
#define LIBGUESTFS_H

#define GUESTFS_NO_DEPRECATED 1
#include <guestfs.h>

#include "xherr.h"

#define GFS_FUNCS(X) \
	X(guestfs_h *, guestfs_create_flags, (unsigned, ...)) \
	X(int, guestfs_parse_environment, (guestfs_h *)) \
	X(void, guestfs_close, (guestfs_h *)) \
	X(const char *, guestfs_last_error, (guestfs_h *)) \
	X(void, guestfs_set_error_handler, (guestfs_h *, guestfs_error_handler_cb, void *)) \
	X(int, guestfs_set_backend, (guestfs_h *, const char *)) \
	X(int, guestfs_set_backend_settings, (guestfs_h *, char *const *)) \
	X(int, guestfs_add_drive_opts_argv, (guestfs_h *, const char *, \
	    const struct guestfs_add_drive_opts_argv *)) \
	X(int, guestfs_launch, (guestfs_h *)) \
	X(int, guestfs_part_disk, (guestfs_h *, const char *, const char *)) \
	X(int, guestfs_mkfs_opts_argv, (guestfs_h *, const char *, const char *, \
	    const struct guestfs_mkfs_opts_argv *)) \
	X(int, guestfs_mount, (guestfs_h *, const char *, const char *)) \
	X(int, guestfs_mkdir_p, (guestfs_h *, const char *)) \
	X(int, guestfs_write, (guestfs_h *, const char *, const char *, size_t)) \
	X(int, guestfs_chown, (guestfs_h *, int, int, const char *)) \
	X(int, guestfs_chmod, (guestfs_h *, int, const char *)) \
	X(int, guestfs_umount_all, (guestfs_h *)) \
	X(int, guestfs_shutdown, (guestfs_h *))

#define GFS_DECL(ret, name, args) ret (*name) args;
struct gfs_api {
	GFS_FUNCS(GFS_DECL)
};
#undef GFS_DECL

extern struct gfs_api gfs;

/* 0, or -1 naming what is missing (and that raw and qcow2 need nothing). */
int gfs_load(struct xherr *err);

#endif
