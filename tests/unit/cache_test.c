/* cache: source classification, GitHub release answers, entry metadata.
 * (Downloads are tested against real servers in t0400-cache.sh.) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "tap.h"
#include "util.h"

static const char SHA[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void
test_sources(void)
{
	struct cache_src s;
	struct xherr err = XHERR_INIT;
	char cwd[4096], *want;

	ok(cache_parse_source("", NULL, &s, &err) == 0 && s.kind == CACHE_RELEASE,
	    "empty: the latest release");
	is_str(s.url, "https://api.github.com/repos/boot2docker/boot2docker/"
	    "releases/latest", "of boot2docker, at api.github.com");
	cache_src_release(&s);
	ok(cache_parse_source("", "http://127.0.0.1:9/api", &s, &err) == 0,
	    "with another API base");
	is_str(s.url, "http://127.0.0.1:9/api/repos/boot2docker/boot2docker/"
	    "releases/latest", "the base is used");
	cache_src_release(&s);
	ok(cache_parse_source("https://ghe.example/api/v3/repos/o/r/releases/"
	    "latest", NULL, &s, &err) == 0 && s.kind == CACHE_RELEASE,
	    "a GitHub Enterprise releases/latest URL is a release");
	cache_src_release(&s);
	ok(cache_parse_source("https://api.github.com/repos/o/r/releases/"
	    "latest", NULL, &s, &err) == 0 && s.kind == CACHE_RELEASE,
	    "a github.com one too");
	cache_src_release(&s);
	ok(cache_parse_source("https://example.org/releases/latest", NULL, &s,
	    &err) == 0 && s.kind == CACHE_HTTP,
	    "without /repos/ it is a plain URL");
	cache_src_release(&s);
	ok(cache_parse_source("HTTP://example.org/b.iso", NULL, &s, &err) == 0 &&
	    s.kind == CACHE_HTTP, "the scheme is case-insensitive");
	cache_src_release(&s);
	char *with = xasprintf("https://x/b.iso#sha256=%s", SHA);
	ok(cache_parse_source(with, NULL, &s, &err) == 0 && s.kind == CACHE_HTTP,
	    "a #sha256= suffix");
	is_str(s.url, "https://x/b.iso", "is not part of the URL");
	is_str(s.sha256, SHA, "and pins the checksum");
	cache_src_release(&s);
	free(with);
	with = xasprintf("https://x/b.iso#sha256=%s", "CDC76E5C9914FB9281A1C7E284D73E67F1809A48A497200E046D39CCC7112CD0");
	ok(cache_parse_source(with, NULL, &s, &err) == 0, "upper case sums");
	is_str(s.sha256, SHA, "are stored lower case");
	cache_src_release(&s);
	free(with);
	static const char *const bad[] = { "https://x/b.iso#sha256=abc",
	    "https://x/b.iso#md5=0", "https://x/b.iso#", "ftp://x/b.iso",
	    "s3://bucket/b.iso",
	    "https://x/b.iso#sha256="
	    "zdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "https://x/b.iso#sha256="
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd00",
	    "https://x/b.iso#sha256="
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0#",
	    "https://x/a#b.iso#sha256="
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "#SHA256="
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xherr_clear(&err);
		ok(cache_parse_source(bad[i], NULL, &s, &err) == -1 &&
		    err.code == XHE_USAGE, "%s is refused: %s", bad[i], err.msg);
	}
	/* Local files: absolute, relative, file://; they must exist. */
	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	want = xasprintf("%s/Makefile", cwd);
	ok(cache_parse_source("Makefile", NULL, &s, &err) == 0 &&
	    s.kind == CACHE_LOCAL, "a relative path is local");
	is_str(s.url, want, "made absolute");
	cache_src_release(&s);
	char *furl = xasprintf("file://%s", want);
	ok(cache_parse_source(furl, NULL, &s, &err) == 0 && s.kind == CACHE_LOCAL,
	    "a file:// URL is local");
	is_str(s.url, want, "the path");
	cache_src_release(&s);
	free(furl);
	free(want);
	xherr_clear(&err);
	ok(cache_parse_source("/nonexistent/b.iso", NULL, &s, &err) == -1 &&
	    strstr(err.msg, "/nonexistent/b.iso") != NULL,
	    "a missing file says which: %s", err.msg);
}

static void
test_release(void)
{
	struct xherr err = XHERR_INIT;
	char *tag, *url;
	const char *api = "https://api.github.com/repos/boot2docker/boot2docker/"
	    "releases/latest";
	const char *j;

	j = "{\"tag_name\":\"v19.03.12\",\"assets\":[{\"name\":\"x.txt\","
	    "\"browser_download_url\":\"https://a/x.txt\"},{\"name\":"
	    "\"boot2docker.iso\",\"browser_download_url\":\"https://a/b.iso\"}]}";
	ok(cache_parse_release(j, strlen(j), api, &tag, &url, &err) == 0,
	    "a release with assets");
	is_str(tag, "v19.03.12", "its tag");
	is_str(url, "https://a/b.iso", "the boot2docker.iso asset");
	free(tag);
	free(url);
	j = "{\"tag_name\":\"v1\",\"html_url\":\"https://github.com/o/r/"
	    "releases/tag/v1\"}";
	ok(cache_parse_release(j, strlen(j), api, &tag, &url, &err) == 0,
	    "no assets: from html_url");
	is_str(url, "https://github.com/o/r/releases/download/v1/boot2docker.iso",
	    "the download URL follows GitHub's pattern");
	free(tag);
	free(url);
	j = "{\"tag_name\":\"v2\"}";
	ok(cache_parse_release(j, strlen(j), api, &tag, &url, &err) == 0,
	    "neither: from the API URL");
	is_str(url, "https://github.com/boot2docker/boot2docker/releases/"
	    "download/v2/boot2docker.iso", "api.github.com becomes github.com");
	free(tag);
	free(url);
	ok(cache_parse_release(j, strlen(j), "https://ghe.corp/api/v3/repos/o/r/"
	    "releases/latest", &tag, &url, &err) == 0, "on GitHub Enterprise");
	is_str(url, "https://ghe.corp/o/r/releases/download/v2/boot2docker.iso",
	    "the enterprise host's download URL");
	free(tag);
	free(url);
	static const struct { const char *json, *msg; } bad[] = {
		{ "", "invalid JSON" },
		{ "{\"tag_name\":", "invalid JSON" },
		{ "[]", "not an object" },
		{ "{}", "without a tag_name" },
		{ "{\"tag_name\":\"\"}", "without a tag_name" },
		{ "{\"tag_name\":7}", "without a tag_name" },
		{ "{\"tag_name\":\"../../x\"}", "without a tag_name" },
		{ "{\"message\":\"API rate limit exceeded\"}", "(API rate limit exceeded)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xherr_clear(&err);
		int r = cache_parse_release(bad[i].json, strlen(bad[i].json), api,
		    &tag, &url, &err);
		ok(r == -1 && tag == NULL && url == NULL &&
		    strstr(err.msg, bad[i].msg) != NULL && strstr(err.msg, api),
		    "bad answer %s: %s", bad[i].json, err.msg);
	}
	/* An asset URL that is not http(s) is not followed. */
	j = "{\"tag_name\":\"v3\",\"assets\":[{\"name\":\"boot2docker.iso\","
	    "\"browser_download_url\":\"file:///etc/passwd\"}]}";
	ok(cache_parse_release(j, strlen(j), api, &tag, &url, &err) == 0 &&
	    strncmp(url, "https://github.com/", 19) == 0,
	    "a file:// asset is ignored: %s", url);
	free(tag);
	free(url);
}

static void
test_meta(void)
{
	struct cache_entry e, f;
	struct xherr err = XHERR_INIT;
	char *s;

	memset(&e, 0, sizeof e);
	e.url = xstrdup("https://x/b.iso");
	e.final_url = xstrdup("https://cdn/b.iso");
	e.etag = xstrdup("\"abc\"");
	e.last_modified = xstrdup("Sat, 28 Nov 2026 10:00:00 GMT");
	e.size = 123456;
	memcpy(e.sha256, SHA, sizeof SHA);
	e.fetched_at = 1700000000000;
	s = cache_format_meta(&e);
	memset(&f, 0, sizeof f);
	ok(cache_parse_meta(s, strlen(s), &f, &err) == 0, "meta round trip");
	ok(strcmp(f.url, e.url) == 0 && strcmp(f.final_url, e.final_url) == 0 &&
	    strcmp(f.etag, e.etag) == 0 && f.size == e.size &&
	    strcmp(f.sha256, SHA) == 0 && f.fetched_at == e.fetched_at &&
	    strcmp(f.last_modified, e.last_modified) == 0, "every field back");
	free(s);
	cache_entry_release(&f);
	cache_entry_release(&e);
	static const char *const bad[] = { "", "[1]", "{}", "{\"url\": 3}", "nul" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&f, 0, sizeof f);
		xherr_clear(&err);
		ok(cache_parse_meta(bad[i], strlen(bad[i]), &f, &err) == -1,
		    "bad meta %s: %s", bad[i], err.msg);
		cache_entry_release(&f);
	}
	const char *odd = "{\"url\":\"u\",\"size\":-5,\"sha256\":\"zz\"}";
	memset(&f, 0, sizeof f);
	ok(cache_parse_meta(odd, strlen(odd), &f, &err) == 0 && f.size == 0 &&
	    f.sha256[0] == '\0', "a negative size and a bad sum are dropped");
	cache_entry_release(&f);
	char *p1 = cache_path("/c", "https://x/b.iso");
	char *p2 = cache_path("/c", "https://x/b.iso");
	char *p3 = cache_path("/c", "https://x/c.iso");
	ok(strcmp(p1, p2) == 0 && strcmp(p1, p3) != 0 &&
	    strncmp(p1, "/c/", 3) == 0 && strstr(p1, ".iso") != NULL,
	    "one file per URL: %s", p1);
	free(p1);
	free(p2);
	free(p3);
}

/* A get that fails leaves the caller nothing to free (under ASan, in
 * t0910, a leak of it fails the run): a missing file, and a download
 * refused on loopback. */
static void
test_failed_get(void)
{
	char dir[] = "/tmp/cache_test.XXXXXX";
	struct cache_opts o;
	struct cache_entry e;
	struct xherr err = XHERR_INIT;
	char *cdir;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	cdir = util_path_join(dir, "cache");
	memset(&o, 0, sizeof o);
	o.dir = cdir;
	o.attempts = 1;
	ok(cache_get(&o, "/nonexistent/b2d.iso", &e, &err) == -1,
	    "a missing local ISO fails");
	ok(e.source == NULL && e.url == NULL && e.path == NULL,
	    "and leaves nothing in the entry");
	xherr_clear(&err);
	if (cache_get(&o, "http://127.0.0.1:9/b2d.iso", &e, &err) == -1) {
		ok(1, "a refused download fails: %s", err.msg);
		ok(e.source == NULL && e.url == NULL && e.path == NULL &&
		    e.tag == NULL, "and leaves nothing in the entry");
	} else {
		ok(0, "a download from 127.0.0.1:9 worked");
		cache_entry_release(&e);
	}
	util_rm_tree(dir, NULL);
	free(cdir);
}

int
main(void)
{
	test_sources();
	test_release();
	test_meta();
	test_failed_get();
	return tap_done();
}
