/*
 * cache: boot2docker ISOs downloaded once into <store>/cache/ and shared by
 * every machine. The only user of libcurl (through libcurl.h).
 *
 * Sources, as the original's --xhyve-boot2docker-url (cache_parse_source):
 *	""				the latest boot2docker release, found
 *					through the GitHub API releases/latest
 *	https://HOST/.../releases/latest a releases/latest API URL of any
 *					repository (api.github.com/repos/O/R or
 *					GitHub Enterprise HOST/api/v3/repos/O/R)
 *	http(s)://...			a file to download
 *	file:///abs, /abs, rel		a local file, used in place
 * Any of them may end in "#sha256=HEX" to pin the file's checksum.
 *
 * One cache entry per download URL: <key>.iso with <key>.meta (JSON: URL,
 * final URL, ETag, Last-Modified, size, sha256, fetch time), where key is
 * derived from the URL. A download goes to <key>.part (with <key>.part.meta
 * for its validators) and is renamed over <key>.iso only once complete,
 * checked against the pinned checksum and accepted by opts->validate; a
 * reader never sees half a file and a failed download leaves the previous
 * entry as it was. <key>.lock (flock) makes concurrent fetches of one URL
 * download it once: the others wait, then find it fresh.
 *
 *	struct cache_entry e;
 *	cache_get(&opts, source, &e, &err);	e.path is ready to use
 *	cache_entry_release(&e);
 *
 * A known entry is revalidated (If-None-Match / If-Modified-Since: an
 * unchanged remote costs no body); an interrupted download resumes (Range
 * with If-Range; a changed remote starts over). When the latest-release
 * check fails (offline, rate-limited) and a release was cached, it is used
 * and e.warning says so.
 */
#ifndef CACHE_H
#define CACHE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "xherr.h"

#define CACHE_DEFAULT_API "https://api.github.com"
#define CACHE_DEFAULT_REPO "boot2docker/boot2docker"

enum cache_kind {
	CACHE_LOCAL,		/* a file on this machine */
	CACHE_HTTP,		/* a URL to download */
	CACHE_RELEASE,		/* a releases/latest API URL to resolve */
};

struct cache_src {
	enum cache_kind kind;
	char *url;		/* LOCAL: absolute path; HTTP: the URL; RELEASE:
				 * the API URL; all without the #sha256 part */
	char sha256[65];	/* pinned checksum, lower case; "" when none */
};

/* Classify a source (pure but for realpath of local files, which must
 * exist). api_base is XHINV_GITHUB_API or CACHE_DEFAULT_API. */
int cache_parse_source(const char *given, const char *api_base,
    struct cache_src *out, struct xherr *err);
void cache_src_release(struct cache_src *s);

struct cache_opts {
	const char *dir;		/* <store>/cache */
	const char *api_base;		/* NULL: CACHE_DEFAULT_API */
	const char *token;		/* GitHub token for API calls, or NULL */
	const char *sha256;		/* expected checksum, or NULL */
	int stall_s;			/* abort a transfer idle this long; 0: 30 */
	int attempts;			/* tries per download, each resuming; 0: 3 */
	/* Called on a complete download before it becomes the entry. */
	int (*validate)(void *arg, const char *path, struct xherr *err);
	void *validate_arg;
	/* Bytes done and expected (-1: unknown), at most a few times a second. */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *progress_arg;
	volatile sig_atomic_t *cancel;
};

struct cache_entry {
	char *source;			/* what was asked for */
	enum cache_kind kind;
	char *url;			/* download URL (LOCAL: file://PATH) */
	char *final_url;		/* after redirects */
	char *path;			/* the file to use */
	char *tag;			/* release tag, for RELEASE sources */
	int64_t size;
	char sha256[65];		/* of the file (local files: hashed
					 * on every cache_get) */
	char *etag;
	char *last_modified;
	int64_t fetched_at;		/* ms */
	int64_t mtime_ns;		/* of the cached file when written: a
					 * hard link rewritten in place (docker-
					 * machine upgrade) shows as a change */
	int64_t body_bytes;		/* bytes this call downloaded */
	int requests;			/* HTTP requests this call made */
	char warning[512];		/* for the user, when not empty */
};

int cache_get(const struct cache_opts *o, const char *source,
    struct cache_entry *out, struct xherr *err);
void cache_entry_release(struct cache_entry *e);

/* Files in the cache that no entry owns: leftover partial downloads, and
 * the lock files failed downloads leave (handed over while locked, so the
 * callback may delete them). The callback gets each path; returns their
 * count or -1. */
int cache_partials(const char *dir, void (*cb)(void *arg, const char *path,
    int64_t bytes), void *arg, struct xherr *err);
/* Remove an entry's files (the .iso and its .meta). */
int cache_remove(const char *dir, const char *url, struct xherr *err);
/* The cache file for url (the caller's). */
char *cache_path(const char *dir, const char *url);

/* Pure parsers, exposed for tests and fuzzing. */
/* GitHub's releases/latest answer: the tag and the boot2docker.iso asset
 * URL (or one derived from html_url / the API URL). */
int cache_parse_release(const char *json, size_t len, const char *api_url,
    char **tag, char **asset_url, struct xherr *err);
/* An entry's .meta file; fields not present stay NULL/0. */
int cache_parse_meta(const char *json, size_t len, struct cache_entry *e,
    struct xherr *err);
char *cache_format_meta(const struct cache_entry *e);

#endif
