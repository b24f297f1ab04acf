#include "iso.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libarchive.h"
#include "util.h"

#define ISO_PVD_OFFSET 32768
#define ISO_CFG_MAX (256 * 1024)

int
iso_parse_pvd(const unsigned char *s, size_t len, char volid[33])
{
	int n;

	if (len < 2048 || s[0] != 1 || memcmp(s + 1, "CD001", 5) != 0)
		return -1;
	memcpy(volid, s + 40, 32);
	for (n = 32; n > 0 && (volid[n - 1] == ' ' || volid[n - 1] == '\0'); n--)
		;
	volid[n] = '\0';
	for (int i = 0; i < n; i++)
		if ((unsigned char)volid[i] < 0x20 || (unsigned char)volid[i] >= 0x7f)
			volid[i] = '?';
	return 0;
}

int
iso_is_kernel_name(const char *path)
{
	static const char *const stems[] = { "vmlinuz", "vmlinux", "bzImage" };
	const char *b = util_base_name(path);
	size_t i;

	for (i = 0; i < sizeof stems / sizeof stems[0]; i++) {
		size_t n = strlen(stems[i]);
		if (strncmp(b, stems[i], n) != 0)
			continue;
		const char *d = b + n;
		while (*d >= '0' && *d <= '9')
			d++;
		if (*d == '\0')
			return 1;
	}
	return 0;
}

int
iso_is_initrd_name(const char *path)
{
	return strncmp(util_base_name(path), "initrd", 6) == 0;
}

int
iso_parse_append(const char *cfg, size_t len, char **cmdline)
{
	const char *p = cfg, *end = cfg + len;

	*cmdline = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		size_t ws = 0;
		int tab = 0;

		while (q < le && (*q == ' ' || *q == '\t')) {
			tab |= *q == '\t';
			ws++;
			q++;
		}
		p = nl ? nl + 1 : end;
		/* Indented: a tab or at least two blanks, as the original. */
		if (!(tab || ws >= 2))
			continue;
		if ((size_t)(le - q) < 7 || strncasecmp(q, "append", 6) != 0 ||
		    (q[6] != ' ' && q[6] != '\t'))
			continue;
		q += 6;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		const char *e = le;
		while (e > q && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == q)
			continue;
		/* Only printable ASCII, as Go's [[:print:]]+ in the original. */
		const char *r;
		for (r = q; r < e; r++)
			if ((unsigned char)*r < 0x20 || (unsigned char)*r >= 0x7f)
				break;
		if (r == q)
			continue;
		*cmdline = xstrndup(q, (size_t)(r - q));
		return 1;
	}
	return 0;
}

static struct archive *
open_iso(const char *path, struct xherr *err)
{
	struct archive *a;

	if (arc_load(err) == -1)
		return NULL;
	a = arc.archive_read_new();

	arc.archive_read_support_format_iso9660(a);
	if (arc.archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		xherr_set(err, XHE_INVAL, "cannot read ISO %s: %s", path,
		    arc.archive_error_string(a));
		arc.archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Member names as libarchive gives them may start with "./". */
static const char *
member(struct archive_entry *e)
{
	const char *p = arc.archive_entry_pathname(e);

	if (p == NULL)
		return "";
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (p[0] == '/')
		p++;
	return p;
}

static void
keep_last(char **slot, const char *path)
{
	if (*slot == NULL || strcmp(path, *slot) > 0) {
		free(*slot);
		*slot = xstrdup(path);
	}
}

int
iso_inspect(const char *path, struct iso_info *out, struct xherr *err)
{
	unsigned char pvd[2048];
	struct archive *a = NULL;
	struct archive_entry *e;
	char volid[33];
	ssize_t n;
	int fd, r;

	memset(out, 0, sizeof *out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return xherr_sys(err, "cannot open ISO %s", path);
	n = pread(fd, pvd, sizeof pvd, ISO_PVD_OFFSET);
	close(fd);
	if (n != (ssize_t)sizeof pvd || iso_parse_pvd(pvd, sizeof pvd, volid) == -1)
		return xherr_set(err, XHE_INVAL,
		    "%s is not an ISO 9660 image (no primary volume descriptor "
		    "at byte 32768)", path);
	out->volume_id = xstrdup(volid);
	if ((a = open_iso(path, err)) == NULL)
		goto fail;
	while ((r = arc.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *m = member(e);
		if (arc.archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (iso_is_kernel_name(m))
			keep_last(&out->kernel, m);
		else if (iso_is_initrd_name(m))
			keep_last(&out->initrd, m);
		else if (strcmp(util_base_name(m), "isolinux.cfg") == 0) {
			la_int64_t sz = arc.archive_entry_size(e);
			char *cfg, *cmd = NULL;
			if (sz < 0 || sz > ISO_CFG_MAX)
				continue;
			cfg = xmalloc((size_t)sz + 1);
			la_ssize_t got = arc.archive_read_data(a, cfg, (size_t)sz);
			if (got < 0) {
				free(cfg);
				xherr_set(err, XHE_INVAL, "cannot read %s in %s: %s",
				    m, path, arc.archive_error_string(a));
				goto fail;
			}
			/* The last isolinux.cfg wins, as in the original. */
			if (iso_parse_append(cfg, (size_t)got, &cmd)) {
				free(out->cmdline);
				free(out->cfg);
				out->cmdline = cmd;
				out->cfg = xstrdup(m);
			} else if (out->cmdline == NULL) {
				free(out->cfg);
				out->cfg = xstrdup(m);
			}
			free(cfg);
		}
	}
	if (r != ARCHIVE_EOF) {
		xherr_set(err, XHE_INVAL, "cannot read ISO %s: %s", path,
		    arc.archive_error_string(a));
		goto fail;
	}
	arc.archive_read_free(a);
	return 0;
fail:
	if (a != NULL)
		arc.archive_read_free(a);
	iso_info_release(out);
	return -1;
}

/* Pass 1 of iso_extract: the member whose data each request needs. A name
 * recorded as a hard link (xorriso -R keeps them) has no data of its own:
 * its data is the link target's. */
static int
extract_sources(const char *iso, const char *const *members, int n,
    char **src, struct xherr *err)
{
	struct archive *a;
	struct archive_entry *e;
	int found = 0, i, r;

	if ((a = open_iso(iso, err)) == NULL)
		return -1;
	while (found < n && (r = arc.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *m = member(e), *link = arc.archive_entry_hardlink(e);
		for (i = 0; i < n; i++) {
			if (src[i] != NULL || strcmp(m, members[i]) != 0)
				continue;
			if (link != NULL) {
				while (link[0] == '.' && link[1] == '/')
					link += 2;
				while (link[0] == '/')
					link++;
				src[i] = xstrdup(link);
			} else {
				src[i] = xstrdup(m);
			}
			found++;
		}
	}
	arc.archive_read_free(a);
	for (i = 0; i < n; i++)
		if (src[i] == NULL)
			return xherr_set(err, XHE_NOTFOUND, "%s has no %s", iso,
			    members[i]);
	return 0;
}

/*
 * Pass 2 reads the ISO through these callbacks, so the place of every block
 * libarchive is given is known. A member stored plainly (an ISO 9660 file
 * is one contiguous extent) comes back from archive_read_data_block as a
 * pointer into that block: its offset in the ISO follows, and the rest is
 * copied from the ISO in the kernel (copy_file_range) without passing
 * through libarchive or this process. A member libarchive had to decode
 * (zisofs) comes back in libarchive's own buffer and is written as read.
 */
struct isofile {
	int fd;
	off_t size;
	off_t next;		/* where the next read starts */
	off_t base;		/* where buf's data came from */
	size_t len;		/* bytes of it valid */
	unsigned char buf[65536];
};

static la_ssize_t
isofile_read(struct archive *a, void *arg, const void **out)
{
	struct isofile *f = arg;
	ssize_t r;

	(void)a;
	do
		r = pread(f->fd, f->buf, sizeof f->buf, f->next);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	f->base = f->next;
	f->len = (size_t)r;
	f->next += r;
	*out = f->buf;
	return r;
}

static la_int64_t
isofile_skip(struct archive *a, void *arg, la_int64_t n)
{
	struct isofile *f = arg;

	(void)a;
	if (n > f->size - f->next)
		n = f->size - f->next;
	if (n < 0)
		n = 0;
	f->next += n;
	f->len = 0;
	return n;
}

/* Write member m (size bytes, the entry libarchive is on) to out. */
static int
extract_one(struct archive *a, struct isofile *f, const char *m, int64_t size,
    int out, struct iso_extract_stats *st, const char *iso, struct xherr *err)
{
	const void *p;
	size_t n;
	la_int64_t off;
	int r, first = 1;

	while ((r = arc.archive_read_data_block(a, &p, &n, &off)) == ARCHIVE_OK) {
		const unsigned char *b = p;
		if (first && off == 0 && f->len > 0 && b >= f->buf &&
		    b + n <= f->buf + f->len) {
			off_t at = f->base + (b - f->buf);
			if (at <= f->size && size <= f->size - at) {
				if (util_copy_range(f->fd, at, size, out) == -1)
					return xherr_sys(err, "cannot copy %s of "
					    "%s", m, iso);
				if (st != NULL)
					st->copied += size;
				return 0;
			}
		}
		first = 0;
		if (n > 0 && pwrite(out, p, n, off) != (ssize_t)n)
			return xherr_sys(err, "cannot write %s of %s", m, iso);
		if (st != NULL)
			st->streamed += (int64_t)n;
	}
	if (r != ARCHIVE_EOF)
		return xherr_set(err, XHE_INVAL, "cannot read %s in %s: %s", m,
		    iso, arc.archive_error_string(a));
	/* A sparse end is a hole: the size makes it one. */
	if (ftruncate(out, size) == -1)
		return xherr_sys(err, "cannot write %s of %s", m, iso);
	return 0;
}

int
iso_extract(const char *iso, const char *const *members,
    const char *const *dests, int n, int flags,
    struct iso_extract_stats *st, struct xherr *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct util_atomic *out = xcalloc((size_t)n, sizeof *out);
	struct isofile *f = xmalloc(sizeof *f);
	char **src = xcalloc((size_t)n, sizeof *src);
	char *done = xcalloc((size_t)n, 1);
	int ndone = 0, i, r, rc = -1;
	struct stat sb;

	if (st != NULL)
		memset(st, 0, sizeof *st);
	f->fd = -1;
	for (i = 0; i < n; i++)
		out[i].fd = -1;
	if (extract_sources(iso, members, n, src, err) == -1)
		goto out;
	if ((f->fd = open(iso, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(f->fd, &sb) == -1) {
		xherr_sys(err, "cannot open ISO %s", iso);
		goto out;
	}
	f->size = sb.st_size;
	f->next = f->base = 0;
	f->len = 0;
	a = arc.archive_read_new();
	arc.archive_read_support_format_iso9660(a);
	arc.archive_read_set_callback_data(a, f);
	arc.archive_read_set_read_callback(a, isofile_read);
	arc.archive_read_set_skip_callback(a, isofile_skip);
	if (arc.archive_read_open1(a) != ARCHIVE_OK) {
		xherr_set(err, XHE_INVAL, "cannot read ISO %s: %s", iso,
		    arc.archive_error_string(a));
		goto out;
	}
	while (ndone < n && (r = arc.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *m = member(e);
		int first = -1;

		if (arc.archive_entry_hardlink(e) != NULL)
			continue;	/* a name without data of its own */
		for (i = 0; i < n; i++) {
			if (done[i] || strcmp(m, src[i]) != 0)
				continue;
			if (util_atomic_open(&out[i], dests[i], 0644, err) == -1)
				goto out;
			if (first == -1)
				first = i;
		}
		if (first == -1)
			continue;
		if (extract_one(a, f, m, arc.archive_entry_size(e),
		    out[first].fd, st, iso, err) == -1)
			goto out;
		/* The same member asked for twice: copy the first. */
		for (i = first + 1; i < n; i++)
			if (out[i].fd != -1 && util_copy_range(out[first].fd, 0,
			    arc.archive_entry_size(e), out[i].fd) == -1) {
				xherr_sys(err, "cannot write %s", dests[i]);
				goto out;
			}
		for (i = 0; i < n; i++) {
			if (out[i].fd == -1)
				continue;
			if (util_atomic_commit_as(&out[i],
			    !(flags & ISO_EXTRACT_NOSYNC), err) == -1)
				goto out;
			done[i] = 1;
			ndone++;
		}
	}
	for (i = 0; i < n; i++)
		if (!done[i]) {
			xherr_set(err, XHE_NOTFOUND, "%s has no data for %s", iso,
			    members[i]);
			goto out;
		}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		if (out[i].fd != -1)
			util_atomic_abort(&out[i]);
		free(src[i]);
	}
	if (a != NULL)
		arc.archive_read_free(a);
	if (f->fd != -1)
		close(f->fd);
	free(f);
	free(out);
	free(src);
	free(done);
	return rc;
}

void
iso_info_release(struct iso_info *info)
{
	free(info->volume_id);
	free(info->kernel);
	free(info->initrd);
	free(info->cmdline);
	free(info->cfg);
	memset(info, 0, sizeof *info);
}
