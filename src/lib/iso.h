/*
 * iso: reading boot2docker-style ISO images with libarchive (through libarchive.h,
 * which loads it on first use), never by mounting them (hdiutil broke on
 * boot2docker 18.09; a loop mount needs root).
 *
 *	struct iso_info info;
 *	iso_inspect("/path/boot2docker.iso", &info, &err);
 *	   -> info.volume_id, info.kernel ("boot/vmlinuz64"),
 *	      info.initrd ("boot/initrd.img"), info.cmdline (indented
 *	      "append" line of isolinux.cfg, or NULL)
 *	iso_extract(iso, members, dests, 2, 0, NULL, &err);
 *	iso_info_release(&info);
 *
 * Rules, as the original driver's: the kernel is the lexically last path
 * whose base name is vmlinuz64, vmlinuz, vmlinux or bzImage (a trailing
 * number allowed); the initrd the lexically last base name that starts with
 * "initrd"; the command line is the first indented "append" line of the
 * last isolinux.cfg in the image.
 *
 * The parsers (iso_parse_pvd, iso_parse_append, iso_is_kernel_name,
 * iso_is_initrd_name) are pure.
 */
#ifndef ISO_H
#define ISO_H

#include <stddef.h>
#include <stdint.h>

#include "xherr.h"

#define ISO_KERNEL_NAMES "vmlinuz64, vmlinuz, vmlinux, bzImage"
#define ISO_INITRD_NAMES "initrd*"

struct iso_info {
	char *volume_id;	/* trailing spaces removed; may be "" */
	char *kernel;		/* member path, NULL if none */
	char *initrd;		/* member path, NULL if none */
	char *cmdline;		/* NULL if no isolinux.cfg append line */
	char *cfg;		/* member path of the isolinux.cfg used */
};

/* Fails (XHE_INVAL) when path is not an ISO9660 image; a missing kernel or
 * initrd is not a failure here (the caller says what it needs). */
int iso_inspect(const char *path, struct iso_info *out, struct xherr *err);
/* Extract n members to the given destination files (each written to a
 * temporary name and renamed; fsynced unless ISO_EXTRACT_NOSYNC, for files
 * the caller records and derives again when a host crash tore them). A
 * member stored plainly is copied from the ISO in the kernel; stats (may
 * be NULL) says how many bytes went which way. */
#define ISO_EXTRACT_NOSYNC 1
struct iso_extract_stats {
	int64_t copied;		/* bytes copied from the ISO's extents */
	int64_t streamed;	/* bytes libarchive decoded (zisofs) */
};
int iso_extract(const char *iso, const char *const *members,
    const char *const *dests, int n, int flags,
    struct iso_extract_stats *stats, struct xherr *err);
void iso_info_release(struct iso_info *info);

/* The primary volume descriptor (the 2048 bytes at offset 32768). Returns 0
 * and the volume id, or -1 when this is not one. */
int iso_parse_pvd(const unsigned char *sector, size_t len, char volid[33]);
/* First indented append line: returns 1 and *cmdline (the caller's), or 0
 * when there is none. */
int iso_parse_append(const char *cfg, size_t len, char **cmdline);
int iso_is_kernel_name(const char *path);
int iso_is_initrd_name(const char *path);

#endif
