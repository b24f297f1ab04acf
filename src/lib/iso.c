#include "iso.h"

#include <errno.h>
#include <fcntl.h>
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

int
iso_extract(const char *iso, const char *const *members,
    const char *const *dests, int n, struct xherr *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct util_atomic *out = xcalloc((size_t)n, sizeof *out);
	char **src = xcalloc((size_t)n, sizeof *src);
	char *done = xcalloc((size_t)n, 1);
	int ndone = 0, i, r, rc = -1;

	for (i = 0; i < n; i++)
		out[i].fd = -1;
	if (extract_sources(iso, members, n, src, err) == -1)
		goto out;
	if ((a = open_iso(iso, err)) == NULL)
		goto out;
	while (ndone < n && (r = arc.archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *m = member(e);
		int want = 0;

		if (arc.archive_entry_hardlink(e) != NULL)
			continue;	/* a name without data of its own */
		for (i = 0; i < n; i++) {
			if (done[i] || strcmp(m, src[i]) != 0)
				continue;
			if (util_atomic_open(&out[i], dests[i], 0644, err) == -1)
				goto out;
			want = 1;
		}
		if (!want)
			continue;
		for (;;) {
			char chunk[65536];
			la_ssize_t got = arc.archive_read_data(a, chunk, sizeof chunk);
			if (got < 0) {
				xherr_set(err, XHE_INVAL, "cannot read %s in %s: %s",
				    m, iso, arc.archive_error_string(a));
				goto out;
			}
			if (got == 0)
				break;
			for (i = 0; i < n; i++)
				if (out[i].fd != -1 && util_atomic_write(&out[i],
				    chunk, (size_t)got, err) == -1)
					goto out;
		}
		for (i = 0; i < n; i++) {
			if (out[i].fd == -1)
				continue;
			if (util_atomic_commit(&out[i], err) == -1)
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
