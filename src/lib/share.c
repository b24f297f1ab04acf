#include "share.h"

#include <stdlib.h>
#include <string.h>

int
share_check_path(const char *what, const char *path, struct xherr *err)
{
	const char *p, *c;

	if (path == NULL || path[0] != '/')
		return xherr_set(err, XHE_INVAL, "%s \"%s\": not an absolute "
		    "path", what, path ? path : "");
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return xherr_set(err, XHE_INVAL, "%s: a control "
			    "character in the path", what);
	if (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		return xherr_set(err, XHE_INVAL, "%s \"%s\": a trailing '/'",
		    what, path);
	for (p = path; *p != '\0'; p = c) {
		size_t n;

		while (*p == '/')
			p++;
		c = strchr(p, '/');
		if (c == NULL)
			c = p + strlen(p);
		n = (size_t)(c - p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' &&
		    p[1] == '.'))
			return xherr_set(err, XHE_INVAL, "%s \"%s\": \".\" and "
			    "\"..\" are not allowed", what, path);
	}
	return 0;
}

char *
share_guest_path(const char *root, const char *host, struct xherr *err)
{
	struct buf b;
	const char *parts[2] = { root, host };
	char *r;

	if (share_check_path("share root", root, err) == -1 ||
	    share_check_path("share", host, err) == -1)
		return NULL;
	buf_init(&b);
	for (int i = 0; i < 2; i++)
		for (const char *p = parts[i]; *p != '\0'; p++)
			if (*p != '/' || b.len == 0 || b.p[b.len - 1] != '/')
				buf_addc(&b, *p);
	if (b.len > 1 && b.p[b.len - 1] == '/')
		b.len--;
	r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

void
share_quote(struct buf *out, const char *s)
{
	buf_addc(out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_add(out, "'\\''", 4);
		else
			buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

static void
mount_9p(const struct share *s, enum share_9p_dialect dialect,
    const char *user, struct buf *out)
{
	buf_add(out, "sudo mkdir -p ", 14);
	share_quote(out, s->guest);
	buf_add(out, "\nsudo mount -t 9p ", 18);
	if (dialect == SHARE_9P_XHYVE) {
		/* The original's options, word for word (§12). */
		buf_add(out, "-o version=9p2000 -o trans=virtio -o uname=", 43);
		share_quote(out, user);
		buf_addf(out, " -o dfltuid=$(id -u docker) -o dfltgid=50 "
		    "-o access=any ");
	} else {
		buf_addf(out, "-o trans=virtio,version=9p2000.L,access=any ");
	}
	share_quote(out, s->tag);
	buf_addc(out, ' ');
	share_quote(out, s->guest);
	buf_addc(out, '\n');
}

static void
mount_nfs(const struct share *s, const char *host_ip, struct buf *out)
{
	struct buf src;

	buf_init(&src);
	buf_addf(&src, "%s:%s", host_ip, s->host);
	buf_add(out, "sudo mkdir -p ", 14);
	share_quote(out, s->guest);
	buf_add(out, "\nsudo mount -t nfs -o noacl,async ", 34);
	share_quote(out, buf_str(&src));
	buf_addc(out, ' ');
	share_quote(out, s->guest);
	buf_addc(out, '\n');
	buf_release(&src);
}

void
share_mount_script(const struct share *v, int n,
    enum share_9p_dialect dialect, const char *host_ip, const char *user,
    struct buf *out)
{
	int i, nfs = 0;

	buf_addf(out, "set -e\n");
	for (i = 0; i < n; i++)
		if (strcmp(v[i].kind, "9p") == 0)
			mount_9p(&v[i], dialect, user, out);
		else
			nfs = 1;
	if (!nfs)
		return;
	/* boot2docker's NFS client (rpcbind and friends), as the original. */
	buf_addf(out, "sudo /usr/local/etc/init.d/nfs-client start\n");
	for (i = 0; i < n; i++)
		if (strcmp(v[i].kind, "nfs") == 0)
			mount_nfs(&v[i], host_ip, out);
}
