#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "libcurl.h"
#include "sha256.h"
#include "util.h"

#define USER_AGENT "xhinv/0.1 (docker-machine-driver-xhyve)"
#define API_MAX (1 << 20)		/* a release JSON is a few KB */
#define META_MAX (64 << 10)
#define ATTEMPTS 3			/* default tries per download, each resuming */
#define CONNECT_S 15

/* Sources */

void
cache_src_release(struct cache_src *s)
{
	free(s->url);
	memset(s, 0, sizeof *s);
}

static int
is_hex_sha(const char *s, size_t n)
{
	char tmp[65];

	if (n != 64)
		return 0;
	memcpy(tmp, s, 64);
	tmp[64] = '\0';
	return sha256_valid_hex(tmp);
}

static void
lower_hex(char *dst, const char *src)
{
	int i;

	for (i = 0; i < 64; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'F' ? src[i] + 32 : src[i]);
	dst[64] = '\0';
}

/* A GitHub releases/latest API URL: .../repos/OWNER/REPO/releases/latest,
 * on api.github.com or under /api/v3/ of a GitHub Enterprise host. */
static int
is_release_url(const char *u)
{
	const char *r = strstr(u, "/repos/");
	size_t n = strlen(u);
	static const char tail[] = "/releases/latest";

	return r != NULL && n > sizeof tail &&
	    strcmp(u + n - (sizeof tail - 1), tail) == 0;
}

int
cache_parse_source(const char *given, const char *api_base,
    struct cache_src *out, struct xherr *err)
{
	const char *hash = strchr(given, '#');
	size_t n = hash ? (size_t)(hash - given) : strlen(given);
	char *u;

	memset(out, 0, sizeof *out);
	if (hash != NULL) {
		static const char pin[] = "#sha256=";
		if (strncmp(hash, pin, sizeof pin - 1) != 0 ||
		    !is_hex_sha(hash + sizeof pin - 1, strlen(hash + sizeof pin - 1)))
			return xherr_set(err, XHE_USAGE, "%s: the only URL "
			    "fragment understood is #sha256= and 64 hex digits",
			    given);
		lower_hex(out->sha256, hash + sizeof pin - 1);
	}
	u = xstrndup(given, n);
	if (*u == '\0') {
		free(u);
		out->kind = CACHE_RELEASE;
		out->url = xasprintf("%s/repos/%s/releases/latest",
		    api_base ? api_base : CACHE_DEFAULT_API, CACHE_DEFAULT_REPO);
		return 0;
	}
	if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) {
		out->kind = is_release_url(u) ? CACHE_RELEASE : CACHE_HTTP;
		out->url = u;
		return 0;
	}
	if (strstr(u, "://") != NULL && strncmp(u, "file://", 7) != 0) {
		xherr_set(err, XHE_USAGE, "%s: use a path, file://, http:// or "
		    "https://", u);
		free(u);
		return -1;
	}
	const char *path = strncmp(u, "file://", 7) == 0 ? u + 7 : u;
	char *abs = realpath(path, NULL);
	if (abs == NULL) {
		xherr_sys(err, "cannot use ISO %s", path);
		free(u);
		return -1;
	}
	free(u);
	out->kind = CACHE_LOCAL;
	out->url = abs;
	return 0;
}

/* Keys and files */

static char *
key_of(const char *url)
{
	struct sha256 h;
	char hex[65];

	sha256_init(&h);
	sha256_update(&h, url, strlen(url));
	sha256_hex(&h, hex);
	hex[20] = '\0';
	return xstrdup(hex);
}

static char *
file_for(const char *dir, const char *url, const char *suffix)
{
	char *key = key_of(url), *p = xasprintf("%s/%s%s", dir, key, suffix);

	free(key);
	return p;
}

char *
cache_path(const char *dir, const char *url)
{
	return file_for(dir, url, ".iso");
}

void
cache_entry_release(struct cache_entry *e)
{
	free(e->source);
	free(e->url);
	free(e->final_url);
	free(e->path);
	free(e->tag);
	free(e->etag);
	free(e->last_modified);
	memset(e, 0, sizeof *e);
}

/* Meta files */

static void
set_dup(char **slot, const char *s)
{
	free(*slot);
	*slot = s ? xstrdup(s) : NULL;
}

int
cache_parse_meta(const char *json, size_t len, struct cache_entry *e,
    struct xherr *err)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je), *v;
	const char *s;

	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return xherr_set(err, XHE_INVAL, "cache metadata is not a JSON "
		    "object: %s", o ? "" : je.text);
	}
	if ((s = json_string_value(json_object_get(o, "url"))) == NULL) {
		json_decref(o);
		return xherr_set(err, XHE_INVAL, "cache metadata has no url");
	}
	set_dup(&e->url, s);
	set_dup(&e->final_url, json_string_value(json_object_get(o, "final_url")));
	set_dup(&e->etag, json_string_value(json_object_get(o, "etag")));
	set_dup(&e->last_modified, json_string_value(json_object_get(o,
	    "last_modified")));
	set_dup(&e->tag, json_string_value(json_object_get(o, "tag")));
	v = json_object_get(o, "size");
	e->size = json_is_integer(v) && json_integer_value(v) >= 0 ?
	    json_integer_value(v) : 0;
	v = json_object_get(o, "fetched_at");
	e->fetched_at = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(o, "mtime_ns");
	e->mtime_ns = json_is_integer(v) ? json_integer_value(v) : 0;
	s = json_string_value(json_object_get(o, "sha256"));
	if (s != NULL && sha256_valid_hex(s))
		lower_hex(e->sha256, s);
	else
		e->sha256[0] = '\0';
	json_decref(o);
	return 0;
}

char *
cache_format_meta(const struct cache_entry *e)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "url", json_string(e->url ? e->url : ""));
	if (e->final_url)
		json_object_set_new(o, "final_url", json_string(e->final_url));
	if (e->etag)
		json_object_set_new(o, "etag", json_string(e->etag));
	if (e->last_modified)
		json_object_set_new(o, "last_modified",
		    json_string(e->last_modified));
	if (e->tag)
		json_object_set_new(o, "tag", json_string(e->tag));
	json_object_set_new(o, "size", json_integer(e->size));
	if (e->sha256[0])
		json_object_set_new(o, "sha256", json_string(e->sha256));
	json_object_set_new(o, "fetched_at", json_integer(e->fetched_at));
	if (e->mtime_ns != 0)
		json_object_set_new(o, "mtime_ns", json_integer(e->mtime_ns));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

/* Read path's meta into e; 0 when there is none (or it is unreadable:
 * the entry is then treated as absent and fetched again). */
static int
meta_load(const char *path, struct cache_entry *e)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (util_read_file(path, META_MAX, &buf, &len, NULL) == -1)
		return 0;
	rc = cache_parse_meta(buf, len, e, NULL) == 0;
	free(buf);
	return rc;
}

static int
meta_save(const char *path, const struct cache_entry *e, struct xherr *err)
{
	char *s = cache_format_meta(e);
	int rc = util_write_atomic(path, s, strlen(s), 0644, err);

	free(s);
	return rc;
}

/* Release answers */

static char *
download_from_api(const char *api_url, const char *tag)
{
	/* https://api.github.com/repos/O/R/releases/latest ->
	 *	https://github.com/O/R/releases/download/TAG/boot2docker.iso
	 * https://HOST/api/v3/repos/O/R/releases/latest ->
	 *	https://HOST/O/R/releases/download/TAG/boot2docker.iso */
	const char *repos = strstr(api_url, "/repos/");
	const char *scheme_end = strstr(api_url, "://");
	const char *rel = strstr(repos ? repos : api_url, "/releases/latest");
	char *host;

	if (repos == NULL || scheme_end == NULL || rel == NULL)
		return NULL;
	const char *host_start = scheme_end + 3;
	const char *host_end = strchr(host_start, '/');
	if (host_end == NULL)
		return NULL;
	host = xstrndup(api_url, (size_t)(host_end - api_url));
	char *out;
	if (strncmp(host_start, "api.github.com", 14) == 0 &&
	    host_end == host_start + 14) {
		free(host);
		host = xasprintf("%.*s://github.com",
		    (int)(scheme_end - api_url), api_url);
	}
	out = xasprintf("%s/%.*s/releases/download/%s/boot2docker.iso", host,
	    (int)(rel - repos - 7), repos + 7, tag);
	free(host);
	return out;
}

int
cache_parse_release(const char *json, size_t len, const char *api_url,
    char **tag, char **asset_url, struct xherr *err)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, JSON_DECODE_ANY, &je), *a, *v;
	const char *t, *html;
	size_t i;

	*tag = *asset_url = NULL;
	if (o == NULL)
		return xherr_set(err, XHE_INVAL, "%s answered invalid JSON: %s",
		    api_url, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return xherr_set(err, XHE_INVAL, "%s answered JSON that is not "
		    "an object", api_url);
	}
	t = json_string_value(json_object_get(o, "tag_name"));
	if (t == NULL || *t == '\0' || strchr(t, '/') != NULL) {
		const char *msg = json_string_value(json_object_get(o, "message"));
		xherr_set(err, XHE_INVAL, "%s answered without a tag_name%s%s%s",
		    api_url, msg ? " (" : " (rate limited?)", msg ? msg : "",
		    msg ? ")" : "");
		json_decref(o);
		return -1;
	}
	*tag = xstrdup(t);
	a = json_object_get(o, "assets");
	json_array_foreach(a, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *u = json_string_value(json_object_get(v,
		    "browser_download_url"));
		if (name && u && strcmp(name, "boot2docker.iso") == 0 &&
		    (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)) {
			*asset_url = xstrdup(u);
			break;
		}
	}
	html = json_string_value(json_object_get(o, "html_url"));
	if (*asset_url == NULL && html != NULL && strstr(html, "/releases/tag/") &&
	    (strncmp(html, "http://", 7) == 0 || strncmp(html, "https://", 8) == 0))
		*asset_url = xasprintf("%.*s/releases/download/%s/boot2docker.iso",
		    (int)(strstr(html, "/releases/tag/") - html), html, t);
	if (*asset_url == NULL)
		*asset_url = download_from_api(api_url, t);
	json_decref(o);
	if (*asset_url == NULL) {
		free(*tag);
		*tag = NULL;
		return xherr_set(err, XHE_INVAL, "%s: cannot tell where release "
		    "%s's boot2docker.iso is", api_url, t);
	}
	return 0;
}

/* HTTP */

struct xfer {
	const struct cache_opts *o;
	int fd;				/* body to this file, or ... */
	struct buf *mem;		/* ... to memory (API answers) */
	int64_t offset;			/* bytes already in fd (resume) */
	int64_t got;			/* body bytes received this request */
	struct sha256 *hash;
	CURL *c;			/* the request, while it runs */
	long status;			/* of the last response */
	char *etag, *last_modified;	/* of the last response */
	int64_t range_total;		/* from Content-Range */
	int started;			/* first body byte seen */
	int write_errno;
	struct buf errbody;		/* start of an error answer's body */
	int64_t last_tick;
};

static void
xfer_release(struct xfer *x)
{
	free(x->etag);
	free(x->last_modified);
	buf_release(&x->errbody);
}

/* The status of the response being received (after redirects: the one
 * whose body this is). */
static long
status_now(struct xfer *x)
{
	long code = 0;

	if (cu.curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &code) ==
	    CURLE_OK)
		x->status = code;
	return x->status;
}

/* A header of the last response (after redirects), or NULL: libcurl
 * parses them (curl_easy_header); the result is the caller's. */
static char *
last_header(CURL *c, const char *name)
{
	struct curl_header *h;

	if (cu.curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
	    h->value == NULL)
		return NULL;
	return xstrdup(h->value);
}

static size_t
on_body(char *p, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nitems, off = 0;

	if (status_now(x) != 200 && x->status != 206) {
		if (x->errbody.len < 512)
			buf_add(&x->errbody, p, n < 512 ? n : 512);
		return n;
	}
	if (x->mem != NULL) {
		if (x->mem->len + n > API_MAX)
			return 0;	/* aborts the transfer */
		buf_add(x->mem, p, n);
		x->got += (int64_t)n;
		return n;
	}
	if (!x->started) {
		x->started = 1;
		/* A full answer to a range request: the remote changed (If-Range
		 * failed) or ignores ranges. Start the file over. */
		if (x->status == 200 && x->offset > 0) {
			if (ftruncate(x->fd, 0) == -1 ||
			    lseek(x->fd, 0, SEEK_SET) == -1) {
				x->write_errno = errno;
				return 0;
			}
			x->offset = 0;
			sha256_init(x->hash);
		}
	}
	while (off < n) {
		ssize_t w = write(x->fd, p + off, n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->write_errno = errno ? errno : EIO;
			return 0;
		}
		off += (size_t)w;
	}
	sha256_update(x->hash, p, n);
	x->got += (int64_t)n;
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct xfer *x = arg;
	int64_t now;

	if (x->o->cancel != NULL && *x->o->cancel)
		return 1;	/* CURLE_ABORTED_BY_CALLBACK */
	if (x->o->progress == NULL || x->mem != NULL ||
	    (status_now(x) != 200 && x->status != 206))
		return 0;
	now = util_mono_ms();
	if (now - x->last_tick < 200 && (dltotal == 0 || dlnow < dltotal))
		return 0;
	x->last_tick = now;
	x->o->progress(x->o->progress_arg, x->offset + dlnow,
	    dltotal > 0 ? x->offset + dltotal : -1);
	return 0;
}

/* One request. headers may be NULL. Returns the curl code; *why gets a
 * message for failures. */
static CURLcode
perform(struct xfer *x, const char *url, const char *range,
    struct curl_slist *headers, char *effective, size_t efflen,
    char why[CURL_ERROR_SIZE])
{
	CURL *c = cu.curl_easy_init();
	CURLcode rc;
	char *eff = NULL;
	long stall = x->o->stall_s > 0 ? x->o->stall_s : 30;

	why[0] = '\0';
	if (c == NULL) {
		snprintf(why, CURL_ERROR_SIZE, "curl_easy_init failed");
		return CURLE_FAILED_INIT;
	}
	x->c = c;
	x->status = 0;
	x->started = 0;
	x->range_total = -1;
	free(x->etag);
	free(x->last_modified);
	x->etag = x->last_modified = NULL;
	cu.curl_easy_setopt(c, CURLOPT_URL, url);
	cu.curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
	cu.curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	cu.curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	cu.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	cu.curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
	cu.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_S);
	cu.curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	cu.curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall);
	cu.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	cu.curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	cu.curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu.curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	cu.curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (headers != NULL)
		cu.curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (range != NULL)
		cu.curl_easy_setopt(c, CURLOPT_RANGE, range);
	rc = cu.curl_easy_perform(c);
	status_now(x);
	x->etag = last_header(c, "ETag");
	x->last_modified = last_header(c, "Last-Modified");
	char *cr = last_header(c, "Content-Range");
	if (cr != NULL) {
		const char *slash = strrchr(cr, '/');
		x->range_total = slash && slash[1] != '*' ?
		    strtoll(slash + 1, NULL, 10) : -1;
		free(cr);
	}
	if (effective != NULL) {
		effective[0] = '\0';
		if (cu.curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) ==
		    CURLE_OK && eff != NULL)
			snprintf(effective, efflen, "%s", eff);
	}
	if (rc != CURLE_OK && why[0] == '\0')
		snprintf(why, CURL_ERROR_SIZE, "%s", cu.curl_easy_strerror(rc));
	cu.curl_easy_cleanup(c);
	x->c = NULL;
	return rc;
}

/* "HTTP 404 (Not Found)" style text for a status. */
static void
status_text(const struct xfer *x, char *out, size_t n)
{
	char snippet[72] = "";
	size_t i, k = 0;

	for (i = 0; i < x->errbody.len && k + 1 < sizeof snippet; i++) {
		unsigned char ch = (unsigned char)x->errbody.p[i];
		if (ch == '\n' || ch == '\r')
			break;
		snippet[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	snippet[k] = '\0';
	snprintf(out, n, "HTTP %ld%s%s", x->status, k ? ": " : "", snippet);
}

/* Set e->warning, cut to fit. */
static void XH_PRINTF(2, 3)
warn(struct cache_entry *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(e->warning, sizeof e->warning, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof e->warning)
		memcpy(e->warning + sizeof e->warning - 4, "...", 4);
}

/* Locks */

/* Downloads */

static int
retryable(CURLcode rc)
{
	return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
	    rc == CURLE_GOT_NOTHING || rc == CURLE_OPERATION_TIMEDOUT ||
	    rc == CURLE_SEND_ERROR;
}

/* Download url into the entry files under the entry lock. prev is the
 * current entry (url NULL when none). On success out describes the new
 * entry (or the unchanged one after a 304). */
static int
fetch(const struct cache_opts *o, const char *url, const char *want_sha,
    struct cache_entry *prev, struct cache_entry *out, struct xherr *err)
{
	char *iso = file_for(o->dir, url, ".iso");
	char *meta = file_for(o->dir, url, ".meta");
	char *part = file_for(o->dir, url, ".part");
	char *pmeta = file_for(o->dir, url, ".part.meta");
	struct cache_entry pm;
	struct sha256 hash;
	struct xfer x;
	struct stat st;
	char why[CURL_ERROR_SIZE], effective[2048];
	int attempt, rc = -1, fd = -1, have_prev = prev->url != NULL;
	int attempts = o->attempts > 0 ? o->attempts : ATTEMPTS;

	memset(&pm, 0, sizeof pm);
	memset(&x, 0, sizeof x);
	buf_init(&x.errbody);
	x.o = o;
	x.hash = &hash;
	for (attempt = 1; attempt <= attempts; attempt++) {
		struct curl_slist *h = NULL;
		char *range = NULL, *hv;
		CURLcode cr;

		/* A partial download of the same URL resumes: Range, with
		 * If-Range so a changed remote sends the whole new file. */
		cache_entry_release(&pm);
		if (fd == -1) {
			/* Never through a link planted in the user's store. */
			fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			    0644);
			if (fd == -1) {
				xherr_sys(err, "cannot create %s", part);
				goto out;
			}
		}
		sha256_init(&hash);
		x.offset = 0;
		if (fstat(fd, &st) == 0 && st.st_size > 0 && meta_load(pmeta, &pm) &&
		    pm.url != NULL && strcmp(pm.url, url) == 0 &&
		    (pm.etag != NULL || pm.last_modified != NULL)) {
			if (util_hash_fd(fd, st.st_size, &hash, err, part) == -1)
				goto out;
			x.offset = st.st_size;
			range = xasprintf("%lld-", (long long)x.offset);
			hv = xasprintf("If-Range: %s", pm.etag ? pm.etag :
			    pm.last_modified);
			h = cu.curl_slist_append(h, hv);
			free(hv);
		} else {
			if (ftruncate(fd, 0) == -1) {
				xherr_sys(err, "cannot truncate %s", part);
				goto out;
			}
			if (have_prev && prev->etag != NULL) {
				hv = xasprintf("If-None-Match: %s", prev->etag);
				h = cu.curl_slist_append(h, hv);
				free(hv);
			}
			if (have_prev && prev->last_modified != NULL) {
				hv = xasprintf("If-Modified-Since: %s",
				    prev->last_modified);
				h = cu.curl_slist_append(h, hv);
				free(hv);
			}
		}
		lseek(fd, x.offset, SEEK_SET);
		x.fd = fd;
		x.got = 0;
		x.write_errno = 0;
		x.errbody.len = 0;
		cr = perform(&x, url, range, h, effective, sizeof effective, why);
		cu.curl_slist_free_all(h);
		free(range);
		out->requests++;
		out->body_bytes += x.got;
		/* Record validators at once, so a later run can resume. */
		if ((x.status == 200 || x.status == 206) && x.started) {
			struct cache_entry np;
			memset(&np, 0, sizeof np);
			np.url = (char *)url;
			np.etag = x.etag;
			np.last_modified = x.last_modified;
			if (x.status == 200 || pm.url == NULL)
				meta_save(pmeta, &np, NULL);
		}
		if (x.write_errno != 0) {
			errno = x.write_errno;
			xherr_sys(err, "cannot write %s", part);
			/* Nothing to resume on a full disk: free the space. */
			close(fd);
			fd = -1;
			unlink(part);
			unlink(pmeta);
			goto out;
		}
		if (cr == CURLE_ABORTED_BY_CALLBACK) {
			xherr_set(err, XHE_CANCELLED, "download of %s interrupted "
			    "(%lld bytes kept for the next try)", url,
			    (long long)(x.offset + x.got));
			goto out;
		}
		if (cr == CURLE_OK && x.status == 304 && have_prev) {
			/* Unchanged: the entry stays; no body was sent. */
			close(fd);
			fd = -1;
			if (x.offset == 0) {
				unlink(part);
				unlink(pmeta);
			}
			if (want_sha != NULL && want_sha[0] != '\0' &&
			    strcmp(prev->sha256, want_sha) != 0) {
				xherr_set(err, XHE_INVAL, "sha256 of %s is %s, "
				    "expected %s", url, prev->sha256[0] ?
				    prev->sha256 : "unknown", want_sha);
				goto out;
			}
			int requests = out->requests;
			*out = *prev;
			memset(prev, 0, sizeof *prev);
			out->requests = requests;
			out->body_bytes = 0;
			rc = 0;
			goto out;
		}
		if (cr == CURLE_OK && x.status != 200 && x.status != 206) {
			char st_text[200];
			status_text(&x, st_text, sizeof st_text);
			if (x.status == 416 && x.offset > 0) {
				/* Our part is not a prefix of theirs. */
				ftruncate(fd, 0);
				unlink(pmeta);
				continue;
			}
			xherr_set(err, XHE_FAIL, "cannot download %s: %s", url,
			    st_text);
			goto out;
		}
		if (cr != CURLE_OK) {
			if (retryable(cr) && attempt < attempts)
				continue;	/* resume from what we have */
			xherr_set(err, XHE_FAIL, "cannot download %s: %s%s", url,
			    why, retryable(cr) ? " (the part received is kept; "
			    "run again to resume)" : "");
			goto out;
		}
		break;
	}
	if (attempt > attempts) {
		xherr_set(err, XHE_FAIL, "cannot download %s after %d attempts",
		    url, attempts);
		goto out;
	}
	/* Complete. Check the size against what the server announced. */
	if (fstat(fd, &st) == -1) {
		xherr_sys(err, "cannot stat %s", part);
		goto out;
	}
	if (x.status == 206 && x.range_total >= 0 && st.st_size != x.range_total) {
		xherr_set(err, XHE_FAIL, "download of %s ended at %lld of %lld "
		    "bytes", url, (long long)st.st_size, (long long)x.range_total);
		goto out;
	}
	char hex[65];
	sha256_hex(&hash, hex);
	if (want_sha != NULL && want_sha[0] != '\0' && strcmp(hex, want_sha) != 0) {
		close(fd);
		fd = -1;
		unlink(part);
		unlink(pmeta);
		xherr_set(err, XHE_INVAL, "sha256 of %s is %s, expected %s: the "
		    "download was discarded", url, hex, want_sha);
		goto out;
	}
	if (fsync(fd) == -1) {
		xherr_sys(err, "cannot write %s", part);
		goto out;
	}
	close(fd);
	fd = -1;
	if (o->validate != NULL && o->validate(o->validate_arg, part, err) == -1) {
		unlink(part);
		unlink(pmeta);
		xherr_wrap(err, "%s", url);
		goto out;
	}
	if (rename(part, iso) == -1) {
		xherr_sys(err, "cannot rename %s to %s", part, iso);
		goto out;
	}
	unlink(pmeta);
	out->url = xstrdup(url);
	out->final_url = effective[0] ? xstrdup(effective) : NULL;
	out->etag = x.etag ? xstrdup(x.etag) : NULL;
	out->last_modified = x.last_modified ? xstrdup(x.last_modified) : NULL;
	out->size = st.st_size;
	memcpy(out->sha256, hex, sizeof hex);
	out->fetched_at = util_now_ms();
	out->mtime_ns = stat(iso, &st) == 0 ? (int64_t)st.st_mtim.tv_sec *
	    1000000000LL + st.st_mtim.tv_nsec : 0;
	if (meta_save(meta, out, err) == -1)
		goto out;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	xfer_release(&x);
	cache_entry_release(&pm);
	free(iso);
	free(meta);
	free(part);
	free(pmeta);
	return rc;
}

/* Get url into the cache (or find it fresh there). */
static int
get_url(const struct cache_opts *o, const char *url, const char *want_sha,
    int64_t started, struct cache_entry *out, struct xherr *err)
{
	char *iso = file_for(o->dir, url, ".iso");
	char *meta = file_for(o->dir, url, ".meta");
	char *lockp = file_for(o->dir, url, ".lock");
	struct cache_entry prev;
	struct stat st;
	int lock = -1, rc = -1;

	memset(&prev, 0, sizeof prev);
	if (util_lock(lockp, o->cancel, NULL, NULL, &lock, err) == -1)
		goto out;
	/* An entry counts only while its file is what we wrote: same size and
	 * mtime (a hard link of it may have been rewritten in place). */
	if (meta_load(meta, &prev) && (prev.url == NULL ||
	    strcmp(prev.url, url) != 0 || stat(iso, &st) == -1 ||
	    st.st_size != prev.size || (prev.mtime_ns != 0 &&
	    (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec !=
	    prev.mtime_ns)))
		cache_entry_release(&prev);	/* stale or damaged */
	/* Fetched by another process while we waited for the lock. */
	if (prev.url != NULL && prev.fetched_at >= started &&
	    (want_sha == NULL || want_sha[0] == '\0' ||
	    strcmp(prev.sha256, want_sha) == 0)) {
		*out = prev;
		memset(&prev, 0, sizeof prev);
		rc = 0;
		goto done;
	}
	if (fetch(o, url, want_sha, &prev, out, err) == -1) {
		/* The previous good entry stays; say why it was not renewed. */
		if (prev.url != NULL && err->code != XHE_INVAL &&
		    (want_sha == NULL || want_sha[0] == '\0' ||
		    strcmp(prev.sha256, want_sha) == 0)) {
			int requests = out->requests;
			int64_t bytes = out->body_bytes;
			cache_entry_release(out);
			*out = prev;
			memset(&prev, 0, sizeof prev);
			out->requests = requests;
			out->body_bytes = bytes;
			warn(out, "%s; using the cached copy", err->msg);
			xherr_clear(err);
			rc = 0;
		}
		goto done;
	}
	rc = 0;
done:
	if (rc == 0) {
		free(out->path);
		out->path = xstrdup(iso);
	}
out:
	if (lock != -1)
		close(lock);
	cache_entry_release(&prev);
	free(iso);
	free(meta);
	free(lockp);
	return rc;
}

/* Resolve a releases/latest API URL to a download URL. The answer's ETag
 * is kept, so asking again costs GitHub nothing when nothing changed. */
static int
resolve_release(const struct cache_opts *o, const char *api_url,
    struct cache_entry *out, char **url, struct xherr *err)
{
	char *ptr = file_for(o->dir, api_url, ".release");
	char *lockp = file_for(o->dir, api_url, ".lock");
	struct cache_entry known;
	struct curl_slist *h = NULL;
	struct buf body;
	struct xfer x;
	char why[CURL_ERROR_SIZE], *hv, *tag = NULL, *asset = NULL;
	int lock = -1, rc = -1, have;
	CURLcode cr;

	memset(&known, 0, sizeof known);
	memset(&x, 0, sizeof x);
	buf_init(&body);
	buf_init(&x.errbody);
	*url = NULL;
	if (util_lock(lockp, o->cancel, NULL, NULL, &lock, err) == -1)
		goto out;
	/* known.url is the API URL, final_url the download URL it gave. */
	have = meta_load(ptr, &known) && known.url != NULL &&
	    strcmp(known.url, api_url) == 0 && known.final_url != NULL &&
	    known.tag != NULL;
	h = cu.curl_slist_append(h, "Accept: application/vnd.github+json");
	if (o->token != NULL && *o->token != '\0') {
		hv = xasprintf("Authorization: token %s", o->token);
		h = cu.curl_slist_append(h, hv);
		free(hv);
	}
	if (have && known.etag != NULL) {
		hv = xasprintf("If-None-Match: %s", known.etag);
		h = cu.curl_slist_append(h, hv);
		free(hv);
	}
	x.o = o;
	x.mem = &body;
	x.fd = -1;
	cr = perform(&x, api_url, NULL, h, NULL, 0, why);
	out->requests++;
	if (cr == CURLE_OK && x.status == 304 && have) {
		*url = xstrdup(known.final_url);
		set_dup(&out->tag, known.tag);
		rc = 0;
		goto out;
	}
	if (cr == CURLE_OK && x.status == 200 &&
	    cache_parse_release(body.p ? body.p : "", body.len, api_url, &tag,
	    &asset, err) == 0) {
		free(known.url);
		free(known.final_url);
		free(known.etag);
		free(known.tag);
		known.url = xstrdup(api_url);
		known.final_url = asset;
		known.etag = x.etag ? xstrdup(x.etag) : NULL;
		known.tag = tag;
		known.fetched_at = util_now_ms();
		meta_save(ptr, &known, NULL);
		*url = xstrdup(asset);
		set_dup(&out->tag, tag);
		rc = 0;
		goto out;
	}
	/* The check failed: say why, and fall back to what we know. */
	char cause[400];
	if (cr != CURLE_OK)
		snprintf(cause, sizeof cause, "%s", why);
	else if (x.status != 200) {
		char st[200];
		status_text(&x, st, sizeof st);
		snprintf(cause, sizeof cause, "%s%s", st, x.status == 403 ?
		    " (rate limited? set GITHUB_TOKEN)" : "");
	} else
		snprintf(cause, sizeof cause, "%.399s", err->msg);
	if (have) {
		char *iso = cache_path(o->dir, known.final_url);
		if (util_exists(iso)) {
			warn(out, "cannot check the latest release at %s (%s); "
			    "using the cached %s", api_url, cause, known.tag);
			*url = xstrdup(known.final_url);
			set_dup(&out->tag, known.tag);
			xherr_clear(err);
			free(iso);
			rc = 0;
			goto out;
		}
		free(iso);
	}
	xherr_set(err, XHE_FAIL, "cannot find the latest release at %s: %s "
	    "(and none is cached)", api_url, cause);
out:
	cu.curl_slist_free_all(h);
	if (lock != -1)
		close(lock);
	xfer_release(&x);
	buf_release(&body);
	cache_entry_release(&known);
	free(ptr);
	free(lockp);
	return rc;
}

static int
hash_path(const char *path, char hex[65], struct xherr *err)
{
	struct sha256 h;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd == -1)
		return xherr_sys(err, "cannot open %s", path);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return xherr_sys(err, "cannot stat %s", path);
	}
	sha256_init(&h);
	rc = util_hash_fd(fd, st.st_size, &h, err, path);
	close(fd);
	if (rc == 0)
		sha256_hex(&h, hex);
	return rc;
}

int
cache_get(const struct cache_opts *o, const char *source,
    struct cache_entry *out, struct xherr *err)
{
	struct cache_src src;
	char want[65] = "", *url = NULL;
	int64_t started = util_now_ms();
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (cache_parse_source(source, o->api_base, &src, err) == -1)
		return -1;
	if (o->sha256 != NULL && *o->sha256 != '\0') {
		if (!sha256_valid_hex(o->sha256)) {
			cache_src_release(&src);
			return xherr_set(err, XHE_USAGE, "\"%s\" is not a sha256 "
			    "checksum (64 hex digits)", o->sha256);
		}
		lower_hex(want, o->sha256);
		if (src.sha256[0] && strcmp(src.sha256, want) != 0) {
			cache_src_release(&src);
			return xherr_set(err, XHE_USAGE, "two different checksums "
			    "given for %s", source);
		}
	} else {
		memcpy(want, src.sha256, sizeof want);
	}
	out->source = xstrdup(source);
	out->kind = src.kind;
	if (src.kind == CACHE_LOCAL) {
		struct stat st;
		if (stat(src.url, &st) == -1 || !S_ISREG(st.st_mode)) {
			xherr_set(err, XHE_INVAL, "ISO %s is not a regular file",
			    src.url);
			goto out;
		}
		out->url = xasprintf("file://%s", src.url);
		out->path = xstrdup(src.url);
		out->size = st.st_size;
		/* Hashed every time (a local file can change under the same
		 * name): its content keys the boot files taken out of it. */
		if (hash_path(src.url, out->sha256, err) == -1)
			goto out;
		if (want[0] != '\0') {
			if (strcmp(out->sha256, want) != 0) {
				xherr_set(err, XHE_INVAL, "sha256 of %s is %s, "
				    "expected %s", src.url, out->sha256, want);
				goto out;
			}
		}
		rc = 0;
		goto out;
	}
	if (cu_load(err) == -1 || util_mkdir_p(o->dir, 0700, err) == -1)
		goto out;
	if (src.kind == CACHE_RELEASE) {
		if (resolve_release(o, src.url, out, &url, err) == -1)
			goto out;
	} else {
		url = xstrdup(src.url);
	}
	struct cache_entry got;
	memset(&got, 0, sizeof got);
	if (get_url(o, url, want, started, &got, err) == -1) {
		out->requests += got.requests;
		cache_entry_release(&got);
		goto out;
	}
	/* The download's fields, with what the release lookup said. */
	got.source = out->source;
	got.kind = out->kind;
	got.tag = got.tag ? got.tag : out->tag;
	if (got.tag != out->tag)
		free(out->tag);
	got.requests += out->requests;
	if (got.warning[0] == '\0')
		memcpy(got.warning, out->warning, sizeof got.warning);
	*out = got;
	rc = 0;
out:
	if (rc == -1) {
		/* Nothing of a failed get is the caller's, but the count. */
		int requests = out->requests;
		cache_entry_release(out);
		out->requests = requests;
	}
	free(url);
	cache_src_release(&src);
	return rc;
}

/*
 * KEY.lock with no KEY.iso (a download that failed leaves its lock, and
 * its .part goes as a partial download), unless a download holds it:
 * handed to cb while we hold it, so cb may delete it safely (util_lock
 * notices its lock file went away and takes a new one). 1 when handed on.
 */
static int
orphan_lock(const char *dir, const char *name, void (*cb)(void *arg,
    const char *path, int64_t bytes), void *arg)
{
	char *key = xstrndup(name, strlen(name) - 5);
	char *iso = xasprintf("%s/%s.iso", dir, key);
	char *p = util_path_join(dir, name);
	int fd, n = 0;

	if (access(iso, F_OK) == -1 &&
	    (fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) != -1) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    access(iso, F_OK) == -1) {
			if (cb)
				cb(arg, p, 0);
			n = 1;
		}
		close(fd);
	}
	free(key);
	free(iso);
	free(p);
	return n;
}

int
cache_partials(const char *dir, void (*cb)(void *arg, const char *path,
    int64_t bytes), void *arg, struct xherr *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : xherr_sys(err, "cannot read %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		int part = l > 5 && strcmp(de->d_name + l - 5, ".part") == 0;
		int pmeta = l > 10 && strcmp(de->d_name + l - 10, ".part.meta") == 0;
		int tmp = strstr(de->d_name, ".tmp.") != NULL;
		int lck = l > 5 && strcmp(de->d_name + l - 5, ".lock") == 0;
		if (lck) {
			n += orphan_lock(dir, de->d_name, cb, arg);
			continue;
		}
		if (!part && !pmeta && !tmp)
			continue;
		/* Skip a download in progress: its entry lock is held. */
		char *key = xstrndup(de->d_name, strcspn(de->d_name, "."));
		char *lockp = xasprintf("%s/%s.lock", dir, key);
		int lfd = open(lockp, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		int busy = lfd != -1 && flock(lfd, LOCK_EX | LOCK_NB) == -1;
		if (lfd != -1)
			close(lfd);
		free(key);
		free(lockp);
		if (busy)
			continue;
		char *p = util_path_join(dir, de->d_name);
		int64_t bytes = 0;
		util_file_size(p, NULL, &bytes, NULL);
		if (cb)
			cb(arg, p, bytes);
		free(p);
		n++;
	}
	closedir(d);
	return n;
}

int
cache_remove(const char *dir, const char *url, struct xherr *err)
{
	char *iso = file_for(dir, url, ".iso"), *meta = file_for(dir, url, ".meta");
	char *lockp = file_for(dir, url, ".lock");
	int rc = 0;

	if (unlink(iso) == -1 && errno != ENOENT)
		rc = xherr_sys(err, "cannot remove %s", iso);
	else if (unlink(meta) == -1 && errno != ENOENT)
		rc = xherr_sys(err, "cannot remove %s", meta);
	unlink(lockp);
	free(iso);
	free(meta);
	free(lockp);
	return rc;
}
