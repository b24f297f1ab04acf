/*
 * fs: the file-copy primitives each platform does its own way (fs_linux.c,
 * fs_darwin.c), under util_copy_file and util_share_file.
 *
 *	fs_clone_into(out, out_path, in, mode)	make the fresh temporary file
 *		out (at out_path) a copy-on-write clone of in: Linux's FICLONE
 *		ioctl (btrfs, XFS), macOS's clonefile(2) (APFS). 0, or -1 with
 *		errno when the file system cannot (the caller copies instead);
 *		out stays open on the same path either way, with mode.
 *	fs_copy_range(in, &off, out, n)	copy up to n bytes from in at
 *		off (advanced past them) to out's position, in the kernel
 *		(copy_file_range); -1 with errno ENOSYS where there is none.
 */
#ifndef FS_H
#define FS_H

#include <sys/types.h>

int fs_clone_into(int out, const char *out_path, int in, mode_t mode);
ssize_t fs_copy_range(int in, off_t *off, int out, size_t n);

#endif
