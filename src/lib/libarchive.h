/*
 * libarchive, loaded on first use. The only place that names libarchive's
 * shared object; iso.c (ISO 9660 reading) and disk.c (the user-data tar)
 * call it through the table arc below.
 *
 * Why: libarchive pulls in libxml2, ICU and libstdc++. Linked normally that
 * costs every process about 5 ms and 3 MB at start, and the plugin is
 * started once per machine for every docker-machine command (ls starts one
 * per machine) while only Create needs an archive.
 *
 *	if (arc_load(&err) == -1) return -1;
 *	struct archive *a = arc.archive_read_new();
 *
 * arc_load() is thread-safe and cheap after the first call. The types come
 * from libarchive's own headers, so the compiler checks every call.
 */
#ifndef LIBARCHIVE_H
#define LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "xherr.h"

#define ARC_FUNCS(X) \
	X(struct archive *, archive_read_new, (void)) \
	X(int, archive_read_support_format_iso9660, (struct archive *)) \
	X(int, archive_read_open_filename, (struct archive *, const char *, size_t)) \
	X(int, archive_read_support_filter_all, (struct archive *)) \
	X(int, archive_read_support_format_raw, (struct archive *)) \
	X(int, archive_read_open_memory, (struct archive *, const void *, size_t)) \
	X(int, archive_read_set_callback_data, (struct archive *, void *)) \
	X(int, archive_read_set_read_callback, (struct archive *, archive_read_callback *)) \
	X(int, archive_read_set_skip_callback, (struct archive *, archive_skip_callback *)) \
	X(int, archive_read_open1, (struct archive *)) \
	X(int, archive_read_data_block, (struct archive *, const void **, size_t *, \
	    la_int64_t *)) \
	X(int, archive_read_next_header, (struct archive *, struct archive_entry **)) \
	X(la_ssize_t, archive_read_data, (struct archive *, void *, size_t)) \
	X(int, archive_read_free, (struct archive *)) \
	X(const char *, archive_error_string, (struct archive *)) \
	X(struct archive *, archive_write_new, (void)) \
	X(int, archive_write_set_format_ustar, (struct archive *)) \
	X(int, archive_write_set_bytes_per_block, (struct archive *, int)) \
	X(int, archive_write_set_bytes_in_last_block, (struct archive *, int)) \
	X(int, archive_write_open, (struct archive *, void *, archive_open_callback *, \
	    archive_write_callback *, archive_close_callback *)) \
	X(int, archive_write_header, (struct archive *, struct archive_entry *)) \
	X(la_ssize_t, archive_write_data, (struct archive *, const void *, size_t)) \
	X(int, archive_write_close, (struct archive *)) \
	X(int, archive_write_free, (struct archive *)) \
	X(struct archive_entry *, archive_entry_new, (void)) \
	X(void, archive_entry_free, (struct archive_entry *)) \
	X(const char *, archive_entry_pathname, (struct archive_entry *)) \
	X(const char *, archive_entry_hardlink, (struct archive_entry *)) \
	X(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *)) \
	X(la_int64_t, archive_entry_size, (struct archive_entry *)) \
	X(void, archive_entry_set_pathname, (struct archive_entry *, const char *)) \
	X(void, archive_entry_set_filetype, (struct archive_entry *, unsigned int)) \
	X(void, archive_entry_set_perm, (struct archive_entry *, __LA_MODE_T)) \
	X(void, archive_entry_set_size, (struct archive_entry *, la_int64_t)) \
	X(void, archive_entry_set_mtime, (struct archive_entry *, time_t, long)) \
	X(void, archive_entry_set_uid, (struct archive_entry *, la_int64_t)) \
	X(void, archive_entry_set_gid, (struct archive_entry *, la_int64_t))

#define ARC_PTR(ret, name, args) ret (*name) args;
struct arc_api {
	ARC_FUNCS(ARC_PTR)
};
#undef ARC_PTR

extern struct arc_api arc;

/* Load libarchive (once); -1 with a message naming the library if it is
 * missing. */
int arc_load(struct xherr *err);

#endif
