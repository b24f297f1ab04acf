/* iso: the pure parsers (isolinux.cfg append line, kernel and initrd names,
 * primary volume descriptor), then iso_inspect and iso_extract on small
 * ISO images built here with xorriso. xorriso is required: without it the
 * image tests fail, they are not skipped. */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iso.h"
#include "tap.h"
#include "helpers.h"
#include "fixture.h"
#include "util.h"

#define FIX "tests/fixtures/iso/"

static char dir[] = "/tmp/iso_test.XXXXXX";

/* want NULL: no append line expected. */
static void
check_append_n(const char *cfg, size_t len, const char *want)
{
	char *cmd = (char *)"unset";
	int r = iso_parse_append(cfg, len, &cmd);

	if (want == NULL) {
		is_int(r, 0, "no append line in \"%s\"", visn(cfg, len));
		ok(cmd == NULL, "... and *cmdline is NULL");
		if (r)
			free(cmd);
		return;
	}
	is_int(r, 1, "append line found in \"%s\"", visn(cfg, len));
	is_str(r ? cmd : NULL, want, "... command line");
	if (r)
		free(cmd);
}

static void
check_append(const char *cfg, const char *want)
{
	check_append_n(cfg, strlen(cfg), want);
}

#define fixture(name, len) fixture_read("", name, len)

#define B2D_1806 "loglevel=3 user=docker console=ttyS0 console=tty0 " \
	"noembed nomodeset norestore base"
#define B2D_1809 "loglevel=3 console=ttyS0 console=tty0 " \
	"waitusb=5:LABEL=boot2docker-data base norestore noembed"

static void
test_parse_append(void)
{
	size_t len;
	char *cfg;

	cfg = fixture(FIX "isolinux-18.06.cfg", &len);
	check_append_n(cfg, len, B2D_1806);
	free(cfg);
	cfg = fixture(FIX "isolinux-18.09.cfg", &len);
	check_append_n(cfg, len, B2D_1809);
	free(cfg);

	check_append("label b2d\n\tkernel /boot/vmlinuz64\n\tappend " B2D_1806
	    "\n", B2D_1806);
	check_append("  append quiet base\n", "quiet base");	/* two spaces */
	check_append("    append quiet\n", "quiet");
	check_append(" \tappend quiet\n", "quiet");		/* blank + tab */
	check_append("\t\tappend quiet\n", "quiet");
	check_append("append quiet\n", NULL);			/* unindented */
	check_append(" append quiet\n", NULL);			/* one blank */
	check_append("append quiet\n  append second\n", "second");
	check_append("\tappend first\n\tappend second\n", "first");
	/* syslinux keywords are case-insensitive and so is this parser; the
	 * original's Go regexp was case-sensitive and ignored APPEND. */
	check_append("\tAPPEND quiet\n", "quiet");
	check_append("\tAppend quiet\n", "quiet");
	check_append("\tappend quiet base\r\n", "quiet base");	/* CRLF */
	check_append("\tappend quiet\r\n\tappend other\r\n", "quiet");
	check_append("\tappend quiet base   \n", "quiet base");	/* trailing */
	check_append("\tappend quiet base \t \r\n", "quiet base");
	check_append("\tappend\tquiet\n", "quiet");		/* tab after */
	check_append("\tappend     quiet\n", "quiet");		/* many blanks */
	check_append("\tappend quiet", "quiet");		/* no newline */
	check_append("\tappend\n", NULL);			/* empty */
	check_append("\tappend", NULL);
	check_append("\tappend \n", NULL);
	check_append("\tappend \t \r\n", NULL);
	check_append("\tappend\r\n", NULL);
	check_append("\tappend\n\tappend late\n", "late");	/* skip empty */
	check_append("\tappendix quiet\n", NULL);		/* other word */
	check_append("\tappend=quiet\n", NULL);
	check_append("\tappen quiet\n", NULL);
	check_append("\t# append quiet\n", NULL);		/* comment */
	check_append("#  append quiet\n", NULL);
	check_append("\tkernel /vmlinuz append quiet\n", NULL);
	check_append("", NULL);
	check_append("\n\n\n", NULL);
	check_append("\t\n  \n", NULL);
	check_append("\tappend  a=\"b c\" d='e'\n", "a=\"b c\" d='e'");
	check_append("\tappend ~!@#$%^&*()_+{}|:<>?`-=[]\\;,./\n",
	    "~!@#$%^&*()_+{}|:<>?`-=[]\\;,./");

	/* Non-printable bytes end the command line, as [[:print:]]+ did. */
	check_append("\tappend quiet\x01 base\n", "quiet");
	check_append("\tappend quiet\x7f base\n", "quiet");
	check_append("\tappend quiet\x1b[31m\n", "quiet");
	check_append("\tappend a\tb\n", "a");		/* tab is not print */
	check_append("\tappend \x01quiet\n", NULL);	/* nothing printable */
	check_append("\tappend \x01quiet\n\tappend ok\n", "ok");
	check_append_n("\tappend quiet\0base\n", 19, "quiet");	/* NUL */
	check_append_n("\tappend\0quiet\n", 14, NULL);
	check_append_n("\0\tappend quiet\n", 15, NULL);	/* NUL first */
	check_append_n("x\n\tappend quiet\n", 2, NULL);	/* len honoured */
	check_append_n("\tappend quiet base", 13, "quiet");

	/* Bytes 0x80-0xff: the comment in iso.c says "only printable
	 * characters, as [[:print:]]+ in the original"; Go's [[:print:]] is
	 * ASCII only, so the original stops before them. The code keeps them
	 * (bytes >= 0x80 pass its check). See the report. */
	check_append("\tappend host=caf\xc3\xa9 base\n", "host=caf");
	check_append("\tappend a\x80\x9b" "b\n", "a");
}

static void
test_names(void)
{
	static const struct { const char *p; int k; } kern[] = {
		{ "boot/vmlinuz64", 1 }, { "boot/vmlinuz", 1 },
		{ "vmlinuz", 1 }, { "vmlinux", 1 }, { "bzImage", 1 },
		{ "boot/bzImage", 1 }, { "isolinux/vmlinuz", 1 },
		{ "vmlinuz1", 1 }, { "vmlinux2024", 1 }, { "bzImage64", 1 },
		{ "a/b/c/d/vmlinuz0", 1 },
		/* the digits-only rule */
		{ "vmlinuz-6.1", 0 }, { "boot/vmlinuz-6.1.0-13-amd64", 0 },
		{ "vmlinuz.efi", 0 }, { "vmlinuz64.sig", 0 },
		{ "vmlinuz64a", 0 }, { "vmlinuzz", 0 }, { "vmlinu", 0 },
		{ "vmlinuy", 0 }, { "xvmlinuz", 0 }, { "my-bzImage", 0 },
		{ "VMLINUZ", 0 }, { "bzimage", 0 }, { "BZIMAGE", 0 },
		{ "vmlinuz ", 0 }, { "vmlinuz/", 0 }, { "boot/vmlinuz/initrd", 0 },
		{ "vmlinuz/config", 0 }, { "", 0 }, { "/", 0 }, { "boot/", 0 },
		{ "initrd.img", 0 },
	};
	static const struct { const char *p; int i; } initrd[] = {
		{ "boot/initrd.img", 1 }, { "initrd", 1 }, { "initrd.gz", 1 },
		{ "boot/initrd-6.1.img", 1 }, { "a/b/initrdX", 1 },
		{ "boot/initramfs.img", 0 }, { "myinitrd.img", 0 },
		{ "INITRD.IMG", 0 }, { "boot/initrd/core.gz", 0 },
		{ "initr", 0 }, { "", 0 }, { "boot/", 0 }, { "vmlinuz", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof kern / sizeof kern[0]; i++)
		is_int(iso_is_kernel_name(kern[i].p), kern[i].k,
		    "\"%s\" %s a kernel name", kern[i].p,
		    kern[i].k ? "is" : "is not");
	for (i = 0; i < sizeof initrd / sizeof initrd[0]; i++)
		is_int(iso_is_initrd_name(initrd[i].p), initrd[i].i,
		    "\"%s\" %s an initrd name", initrd[i].p,
		    initrd[i].i ? "is" : "is not");
}

static void
make_pvd(unsigned char *s, const char *volid, size_t idlen)
{
	memset(s, 0, 2048);
	s[0] = 1;
	memcpy(s + 1, "CD001", 5);
	s[6] = 1;
	memset(s + 8, ' ', 32);		/* system id */
	memset(s + 40, ' ', 32);
	memcpy(s + 40, volid, idlen);
}

static void
test_pvd(void)
{
	unsigned char s[4096];
	char volid[33];

	make_pvd(s, "b2d-v18.06.3-ce", 15);
	memset(volid, 'x', sizeof volid);
	is_int(iso_parse_pvd(s, 2048, volid), 0, "PVD parses");
	is_str(volid, "b2d-v18.06.3-ce", "trailing spaces are removed");
	is_int(iso_parse_pvd(s, sizeof s, volid), 0, "a longer buffer is fine");

	make_pvd(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 32);
	iso_parse_pvd(s, 2048, volid);
	is_str(volid, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
	    "a 32-character volume id is kept whole and NUL-terminated");

	make_pvd(s, "", 0);
	is_int(iso_parse_pvd(s, 2048, volid), 0, "all-blank id parses");
	is_str(volid, "", "all-blank id is empty");

	make_pvd(s, "Boot2Docker", 11);
	memset(s + 51, 0, 21);			/* NUL padded */
	iso_parse_pvd(s, 2048, volid);
	is_str(volid, "Boot2Docker", "NUL padding is removed");

	make_pvd(s, "MY DISC  ", 9);
	iso_parse_pvd(s, 2048, volid);
	is_str(volid, "MY DISC", "inner blanks stay, trailing go");

	make_pvd(s, "a\x01" "b\x7f\x80\xff" "c\n", 8);
	iso_parse_pvd(s, 2048, volid);
	is_str(volid, "a?b???c?", "control and non-ASCII bytes become '?'");

	make_pvd(s, "b2d", 3);
	is_int(iso_parse_pvd(s, 2047, volid), -1, "2047 bytes: too short");
	is_int(iso_parse_pvd(s, 0, volid), -1, "0 bytes: too short");
	s[0] = 2;
	is_int(iso_parse_pvd(s, 2048, volid), -1,
	    "a supplementary descriptor (type 2) is not the PVD");
	s[0] = 0xff;
	is_int(iso_parse_pvd(s, 2048, volid), -1,
	    "the set terminator (type 255) is not the PVD");
	s[0] = 1;
	memcpy(s + 1, "CD002", 5);
	is_int(iso_parse_pvd(s, 2048, volid), -1, "wrong magic");
	memcpy(s + 1, "cd001", 5);
	is_int(iso_parse_pvd(s, 2048, volid), -1, "lower-case magic");
	memset(s, 0, 2048);
	is_int(iso_parse_pvd(s, 2048, volid), -1, "zeros");
}

/* --- real images ------------------------------------------------------ */

static char *
path(const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = xasprintf("%s/%s", dir, rel);
	free(rel);
	return p;
}

/* Deterministic bytes, so a failure is reproducible. */
static char *
pattern(size_t n, uint32_t seed)
{
	char *p = xmalloc(n);
	uint32_t x = seed ? seed : 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)(x >> 24);
	}
	return p;
}

/* Write data to <dir>/<tree>/<rel>, creating directories. */
static void
put(const char *tree, const char *rel, const void *data, size_t len)
{
	struct xherr err = XHERR_INIT;
	char *p = path("%s/%s", tree, rel), *slash = strrchr(p, '/');
	FILE *f;

	*slash = '\0';
	if (util_mkdir_p(p, 0755, &err) == -1)
		ok(0, "mkdir %s: %s", p, err.msg);
	*slash = '/';
	f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		ok(0, "write %s", p);
	free(p);
}

static void
put_fixture(const char *tree, const char *rel, const char *fix)
{
	size_t len;
	char *d = fixture(fix, &len);

	put(tree, rel, d, len);
	free(d);
}

/* Build <dir>/<name>.iso from <dir>/<tree>; extra are more mkisofs
 * options. xorriso's chatter goes to <dir>/xorriso.log. */
static char *
mkiso(const char *name, const char *tree, const char *volid,
    const char *extra)
{
	char *iso = path("%s.iso", name);
	int rc = sh("cd %s && xorriso -as mkisofs -quiet -R -J -V '%s' %s "
	    "-o %s %s >>xorriso.log 2>&1", dir, volid, extra, iso, tree);

	is_int(rc, 0, "xorriso builds %s.iso", name);
	return iso;
}

#define KLEN 300001		/* more than iso_extract's 64 KiB chunk */
#define ILEN 150007

static char *kernel, *initrd;

static int
same_file(const char *p, const void *want, size_t wlen)
{
	struct xherr err = XHERR_INIT;
	char *got;
	size_t len;
	int same;

	if (util_read_file(p, 1 << 24, &got, &len, &err) == -1) {
		printf("# %s\n", err.msg);
		return 0;
	}
	same = len == wlen && memcmp(got, want, len) == 0;
	if (!same)
		printf("#   %s: %zu bytes, want %zu\n", p, len, wlen);
	free(got);
	return same;
}

struct want_info {
	const char *volid, *kernel, *initrd, *cmdline, *cfg;
};

static void
check_inspect(const char *iso, const struct want_info *w, const char *label)
{
	struct iso_info info;
	struct xherr err = XHERR_INIT;

	memset(&info, 0x55, sizeof info);
	if (!ok(iso_inspect(iso, &info, &err) == 0, "%s: inspect: %s", label,
	    err.msg))
		return;
	is_str(info.volume_id, w->volid, "%s: volume id", label);
	is_str(info.kernel, w->kernel, "%s: kernel", label);
	is_str(info.initrd, w->initrd, "%s: initrd", label);
	is_str(info.cmdline, w->cmdline, "%s: command line", label);
	is_str(info.cfg, w->cfg, "%s: isolinux.cfg used", label);
	iso_info_release(&info);
	ok(info.volume_id == NULL && info.kernel == NULL && info.cfg == NULL,
	    "%s: release clears the struct", label);
}

static void
check_extract(const char *iso, const char *kmember, const char *imember,
    const char *label)
{
	struct xherr err = XHERR_INIT;
	char *out = path("out-%s", label), *k, *i;
	const char *members[2], *dests[2];
	struct iso_extract_stats st;
	struct stat sb;

	mkdir(out, 0755);
	k = xasprintf("%s/kernel", out);
	i = xasprintf("%s/initrd", out);
	members[0] = kmember;
	members[1] = imember;
	dests[0] = k;
	dests[1] = i;
	ok(iso_extract(iso, members, dests, 2, 0, &st, &err) == 0,
	    "%s: extract kernel and initrd: %s", label, err.msg);
	/* Stored plainly: copied from the extents, nothing decoded. */
	is_int((int)st.copied, KLEN + ILEN, "%s: bytes copied from extents",
	    label);
	is_int((int)st.streamed, 0, "%s: bytes decoded", label);
	ok(same_file(k, kernel, KLEN), "%s: kernel is byte-identical", label);
	ok(same_file(i, initrd, ILEN), "%s: initrd is byte-identical", label);
	ok(stat(k, &sb) == 0 && (sb.st_mode & 07777) == 0644,
	    "%s: extracted with mode 0644", label);
	is_int(count_tmp(out), 0, "%s: no temporary files left", label);
	free(k);
	free(i);
	free(out);
}

/* boot2docker <= 18.06: boot/vmlinuz64, boot/isolinux/isolinux.cfg, El
 * Torito boot record as in its makeiso. */
static void
test_b2d_1806(void)
{
	static const struct want_info w = { "b2d-v18.06.3-ce", "boot/vmlinuz64",
	    "boot/initrd.img", B2D_1806, "boot/isolinux/isolinux.cfg" };
	char bin[2048];
	char *iso;

	memset(bin, 0, sizeof bin);
	put("t1806", "boot/vmlinuz64", kernel, KLEN);
	put("t1806", "boot/initrd.img", initrd, ILEN);
	put_fixture("t1806", "boot/isolinux/isolinux.cfg",
	    FIX "isolinux-18.06.cfg");
	put("t1806", "boot/isolinux/isolinux.bin", bin, sizeof bin);
	put("t1806", "boot/isolinux/boot.msg", "hello\n", 6);
	iso = mkiso("b2d-1806", "t1806", "b2d-v18.06.3-ce",
	    "-l -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat "
	    "-no-emul-boot -boot-load-size 4 -boot-info-table");
	check_inspect(iso, &w, "18.06");
	check_extract(iso, "boot/vmlinuz64", "boot/initrd.img", "18.06");
	free(iso);
}

/* boot2docker >= 18.09: boot/vmlinuz, isolinux/isolinux.cfg. */
static void
test_b2d_1809(void)
{
	static const struct want_info w = { "b2d-v18.09.1", "boot/vmlinuz",
	    "boot/initrd.img", B2D_1809, "isolinux/isolinux.cfg" };
	char *iso;

	put("t1809", "boot/vmlinuz", kernel, KLEN);
	put("t1809", "boot/initrd.img", initrd, ILEN);
	put_fixture("t1809", "isolinux/isolinux.cfg", FIX "isolinux-18.09.cfg");
	put("t1809", "isolinux/boot.msg", "hello\n", 6);
	iso = mkiso("b2d-1809", "t1809", "b2d-v18.09.1", "");
	check_inspect(iso, &w, "18.09");
	check_extract(iso, "boot/vmlinuz", "boot/initrd.img", "18.09");
	free(iso);
}

/* The first 18.09.0: -V Boot2Docker, -isohybrid-mbr, -partition_offset 16
 * (the image hdiutil could not attach). The MBR template is all zeros:
 * only the layout matters here. */
static void
test_isohybrid(void)
{
	static const struct want_info w = { "Boot2Docker", "boot/vmlinuz",
	    "boot/initrd.img", B2D_1809, "isolinux/isolinux.cfg" };
	char mbr[432], bin[2048], sig[2] = { 0, 0 };
	char *iso;
	FILE *f;

	memset(mbr, 0, sizeof mbr);
	memset(bin, 0, sizeof bin);
	put("thybrid", "boot/vmlinuz", kernel, KLEN);
	put("thybrid", "boot/initrd.img", initrd, ILEN);
	put_fixture("thybrid", "isolinux/isolinux.cfg", FIX "isolinux-18.09.cfg");
	put("thybrid", "isolinux/isolinux.bin", bin, sizeof bin);
	put(".", "isohdpfx.bin", mbr, sizeof mbr);
	iso = mkiso("hybrid", "thybrid", "Boot2Docker",
	    "-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot "
	    "-boot-load-size 4 -boot-info-table -isohybrid-mbr isohdpfx.bin "
	    "-partition_offset 16");
	f = fopen(iso, "rb");
	if (f != NULL) {
		fseek(f, 510, SEEK_SET);
		if (fread(sig, 1, 2, f) != 2)
			sig[0] = 0;
		fclose(f);
	}
	ok((unsigned char)sig[0] == 0x55 && (unsigned char)sig[1] == 0xaa,
	    "isohybrid: the image has an MBR signature");
	check_inspect(iso, &w, "isohybrid");
	check_extract(iso, "boot/vmlinuz", "boot/initrd.img", "isohybrid");
	free(iso);
}

static void
test_partial_images(void)
{
	static const struct want_info nok = { "NOKERNEL", NULL,
	    "boot/initrd.img", B2D_1809, "isolinux/isolinux.cfg" };
	static const struct want_info noi = { "NOINITRD", "boot/vmlinuz",
	    NULL, B2D_1809, "isolinux/isolinux.cfg" };
	static const struct want_info nocfg = { "NOCFG", "boot/vmlinuz64",
	    "boot/initrd.img", NULL, NULL };
	static const struct want_info noapp = { "NOAPPEND", "boot/vmlinuz",
	    "boot/initrd.img", NULL, "boot/isolinux/isolinux.cfg" };
	static const struct want_info mini = { "minikube-v1.2.0", "boot/bzImage",
	    "boot/initrd", "console=ttyS0 base host=minikube",
	    "isolinux/isolinux.cfg" };
	const char *noappend = "default b2d\nlabel b2d\n\tkernel /boot/vmlinuz\n"
	    "append not-indented\n";
	const char *minicfg = "default minikube\nlabel minikube\n"
	    "  kernel /boot/bzImage\n  initrd /boot/initrd\n"
	    "  append console=ttyS0 base host=minikube\n";
	struct xherr err = XHERR_INIT;
	const char *m[1], *d[1];
	char *iso, *dest;

	put("tnok", "boot/initrd.img", initrd, ILEN);
	put_fixture("tnok", "isolinux/isolinux.cfg", FIX "isolinux-18.09.cfg");
	iso = mkiso("nokernel", "tnok", "NOKERNEL", "");
	check_inspect(iso, &nok, "no kernel");

	/* Extracting a member that is not there. */
	dest = path("nokernel-out");
	m[0] = "boot/vmlinuz";
	d[0] = dest;
	ok(iso_extract(iso, m, d, 1, 0, NULL, &err) == -1, "extract a missing member");
	is_int(err.code, XHE_NOTFOUND, "... XHE_NOTFOUND");
	ok(strstr(err.msg, "has no boot/vmlinuz") != NULL, "... message: %s",
	    err.msg);
	ok(!util_exists(dest), "... and no destination file");
	is_int(count_tmp(dir), 0, "... and no temporary file");
	free(dest);
	free(iso);

	put("tnoi", "boot/vmlinuz", kernel, KLEN);
	put_fixture("tnoi", "isolinux/isolinux.cfg", FIX "isolinux-18.09.cfg");
	iso = mkiso("noinitrd", "tnoi", "NOINITRD", "");
	check_inspect(iso, &noi, "no initrd");
	free(iso);

	put("tnocfg", "boot/vmlinuz64", kernel, KLEN);
	put("tnocfg", "boot/initrd.img", initrd, ILEN);
	put("tnocfg", "boot/isolinux/isolinux.cfg.bak", "\tappend x\n", 10);
	iso = mkiso("nocfg", "tnocfg", "NOCFG", "");
	check_inspect(iso, &nocfg, "no isolinux.cfg");
	free(iso);

	put("tnoapp", "boot/vmlinuz", kernel, KLEN);
	put("tnoapp", "boot/initrd.img", initrd, ILEN);
	put("tnoapp", "boot/isolinux/isolinux.cfg", noappend, strlen(noappend));
	iso = mkiso("noappend", "tnoapp", "NOAPPEND", "");
	check_inspect(iso, &noapp, "isolinux.cfg without an indented append");
	free(iso);

	put("tmini", "boot/bzImage", kernel, KLEN);
	put("tmini", "boot/initrd", initrd, ILEN);
	put("tmini", "isolinux/isolinux.cfg", minicfg, strlen(minicfg));
	iso = mkiso("minikube", "tmini", "minikube-v1.2.0", "");
	check_inspect(iso, &mini, "minikube layout");
	check_extract(iso, "boot/bzImage", "boot/initrd", "minikube");
	free(iso);
}

/* Several candidates: the lexically last name wins; near misses, symlinks
 * and directories do not count. */
static void
test_choice(void)
{
	static const struct want_info w = { "CHOICE", "boot/vmlinuz64",
	    "boot/initrd.img", "chosen", "isolinux/isolinux.cfg" };
	char *iso, *ln;

	put("tchoice", "boot/vmlinuz", "old kernel", 10);
	put("tchoice", "boot/vmlinuz64", kernel, KLEN);
	put("tchoice", "boot/vmlinuz-6.1", "not a kernel name", 17);
	put("tchoice", "boot/vmlinuz.efi", "not a kernel name", 17);
	put("tchoice", "boot/vmlinuz9z/readme", "a directory", 11);
	put("tchoice", "boot/initrd.gz", "old initrd", 10);
	put("tchoice", "boot/initrd.img", initrd, ILEN);
	put("tchoice", "boot/initramfs", "not an initrd name", 18);
	put("tchoice", "isolinux/isolinux.cfg", "\tappend chosen\n", 15);
	/* Rock Ridge symlinks are not regular files. */
	ln = path("tchoice/zz/vmlinuz");
	put("tchoice", "zz/.keep", "", 0);
	if (symlink("../boot/vmlinuz64", ln) == -1)
		ok(0, "symlink %s", ln);
	free(ln);
	ln = path("tchoice/zz/initrd.z");
	if (symlink("../boot/initrd.img", ln) == -1)
		ok(0, "symlink %s", ln);
	free(ln);
	iso = mkiso("choice", "tchoice", "CHOICE", "");
	check_inspect(iso, &w, "lexically last");
	check_extract(iso, "boot/vmlinuz64", "boot/initrd.img", "choice");
	free(iso);
}

/* A long isolinux.cfg (the append line after 200 KB of comments) is read
 * whole; one over iso.c's 256 KiB cap is ignored rather than loaded. */
static void
test_big_cfg(void)
{
	static const struct want_info w = { "BIGCFG", "boot/vmlinuz",
	    "boot/initrd.img", "far=away", "isolinux/isolinux.cfg" };
	static const struct want_info huge = { "HUGECFG", "boot/vmlinuz",
	    "boot/initrd.img", NULL, NULL };
	struct buf b;
	char *iso;
	int i;

	buf_init(&b);
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "# comment line %d, padding padding padding\n", i);
	buf_addf(&b, "\tappend far=away\n");
	ok(b.len > 200000 && b.len < 256 * 1024, "the cfg is %zu bytes",
	    b.len);
	put("tbig", "boot/vmlinuz", kernel, KLEN);
	put("tbig", "boot/initrd.img", initrd, ILEN);
	put("tbig", "isolinux/isolinux.cfg", b.p, b.len);
	iso = mkiso("bigcfg", "tbig", "BIGCFG", "");
	check_inspect(iso, &w, "200 KB isolinux.cfg");
	free(iso);

	while (b.len <= 256 * 1024)
		buf_addf(&b, "# more padding padding padding padding\n");
	buf_addf(&b, "\tappend too=far\n");
	put("thuge", "boot/vmlinuz", kernel, KLEN);
	put("thuge", "boot/initrd.img", initrd, ILEN);
	put("thuge", "isolinux/isolinux.cfg", b.p, b.len);
	iso = mkiso("hugecfg", "thuge", "HUGECFG", "");
	check_inspect(iso, &huge, "isolinux.cfg over 256 KiB");
	free(iso);
	buf_release(&b);
}

static void
test_not_iso(void)
{
	struct iso_info info;
	struct xherr err = XHERR_INIT;
	char *p, *junk = pattern(100000, 7), *iso, *dest;
	const char *m[1] = { "boot/vmlinuz" }, *d[1];
	FILE *in, *out;
	char blk[2048];
	size_t n, total = 0;

	put(".", "junk.bin", junk, 100000);
	p = path("junk.bin");
	ok(iso_inspect(p, &info, &err) == -1, "random bytes: inspect fails");
	is_int(err.code, XHE_INVAL, "... XHE_INVAL");
	ok(strstr(err.msg, "is not an ISO 9660 image") != NULL, "... message: %s",
	    err.msg);
	ok(info.volume_id == NULL && info.kernel == NULL,
	    "... and the struct is empty");
	dest = path("junk-out");
	d[0] = dest;
	xherr_clear(&err);
	ok(iso_extract(p, m, d, 1, 0, NULL, &err) == -1, "random bytes: extract fails");
	ok(!util_exists(dest), "... and writes nothing");
	free(dest);
	free(p);

	put(".", "short.bin", "CD001", 5);
	p = path("short.bin");
	xherr_clear(&err);
	ok(iso_inspect(p, &info, &err) == -1, "a 5-byte file: inspect fails");
	is_int(err.code, XHE_INVAL, "... XHE_INVAL");
	free(p);

	put(".", "empty.bin", "", 0);
	p = path("empty.bin");
	xherr_clear(&err);
	ok(iso_inspect(p, &info, &err) == -1, "an empty file: inspect fails");
	free(p);

	p = path("does-not-exist.iso");
	xherr_clear(&err);
	ok(iso_inspect(p, &info, &err) == -1, "a missing file: inspect fails");
	is_int(err.code, XHE_NOTFOUND, "... XHE_NOTFOUND");
	free(p);

	xherr_clear(&err);
	ok(iso_inspect(dir, &info, &err) == -1, "a directory: inspect fails");

	/* The volume descriptors of a real image but nothing after them. */
	iso = path("b2d-1809.iso");
	p = path("truncated.iso");
	in = fopen(iso, "rb");
	out = fopen(p, "wb");
	while (in && out && total < 36864 &&
	    (n = fread(blk, 1, sizeof blk, in)) > 0) {
		fwrite(blk, 1, n, out);
		total += n;
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	xherr_clear(&err);
	memset(&info, 0, sizeof info);
	ok(iso_inspect(p, &info, &err) == -1,
	    "a truncated image fails cleanly: %s", err.msg);
	is_int(err.code, XHE_INVAL, "... XHE_INVAL");
	ok(info.volume_id == NULL, "... and the struct is empty");
	free(p);
	free(iso);
	free(junk);
}

/* BUG: libarchive reports the second name of a hard-linked file as a
 * hard-link entry of size 0 (AE_IFREG, archive_entry_hardlink() set).
 * xorriso -R records hard links by default. When that second name is the
 * one iso_inspect() picks (here boot/initrd.img, hard-linked to Tiny
 * Core's boot/core.gz which sorts first), iso_extract() writes an empty
 * file and reports success. */
static void
test_hardlink(void)
{
	struct iso_info info;
	struct xherr err = XHERR_INIT;
	char *a, *b, *iso, *dest;
	const char *m[1], *d[1];

	put("thard", "boot/vmlinuz", kernel, KLEN);
	put("thard", "boot/core.gz", initrd, ILEN);
	a = path("thard/boot/core.gz");
	b = path("thard/boot/initrd.img");
	if (link(a, b) == -1)
		ok(0, "link %s", b);
	put_fixture("thard", "isolinux/isolinux.cfg", FIX "isolinux-18.09.cfg");
	iso = mkiso("hardlink", "thard", "HARDLINK", "");
	if (ok(iso_inspect(iso, &info, &err) == 0, "hard link: inspect: %s",
	    err.msg)) {
		is_str(info.initrd, "boot/initrd.img", "hard link: initrd name");
		dest = path("hardlink-initrd");
		m[0] = "boot/initrd.img";
		d[0] = dest;
		ok(iso_extract(iso, m, d, 1, 0, NULL, &err) == 0, "hard link: extract: %s",
		    err.msg);
		ok(same_file(dest, initrd, ILEN),
		    "hard link: the extracted initrd has the file's bytes");
		free(dest);
		iso_info_release(&info);
	}
	free(a);
	free(b);
	free(iso);
}

/* zisofs (xorriso's --zisofs filter): libarchive decodes the compressed
 * member, which then cannot be copied from its extent; extract writes what
 * libarchive decoded, and a member asked for twice gets both files. */
static void
test_zisofs(void)
{
	struct xherr err = XHERR_INIT;
	struct iso_extract_stats st;
	char *iso = path("zisofs.iso"), *k = path("z-kernel"),
	    *i1 = path("z-initrd1"), *i2 = path("z-initrd2");
	const char *m[3] = { "boot/vmlinuz", "boot/initrd.img", "boot/initrd.img" };
	const char *d[3] = { k, i1, i2 };
	char *text = xmalloc(ILEN);

	for (int j = 0; j < ILEN; j++)
		text[j] = "zisofs compresses this\n"[j % 23];
	put("tzf", "boot/vmlinuz", kernel, KLEN);
	put("tzf", "boot/initrd.img", text, ILEN);
	is_int(sh("cd %s && xorriso -outdev zisofs.iso -map tzf / "
	    "-set_filter_r --zisofs /boot -- >>xorriso.log 2>&1", dir), 0,
	    "xorriso builds zisofs.iso");
	ok(iso_extract(iso, m, d, 3, ISO_EXTRACT_NOSYNC, &st, &err) == 0,
	    "zisofs: extract: %s", err.msg);
	ok(same_file(k, kernel, KLEN), "zisofs: kernel is byte-identical");
	ok(same_file(i1, text, ILEN), "zisofs: initrd is byte-identical");
	ok(same_file(i2, text, ILEN), "zisofs: the initrd asked twice too");
	ok(st.streamed >= ILEN, "zisofs: the compressed initrd was decoded "
	    "(%lld bytes)", (long long)st.streamed);
	is_int((int)(st.copied + st.streamed), KLEN + ILEN,
	    "zisofs: every byte went one way or the other");
	free(text);
	free(iso);
	free(k);
	free(i1);
	free(i2);
}

static void
test_images(void)
{
	int have;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp %s", dir);
		return;
	}
	have = sh("xorriso -version >/dev/null 2>&1") == 0;
	ok(have, "xorriso is installed (required: these tests do not skip)");
	kernel = pattern(KLEN, 1);
	initrd = pattern(ILEN, 2);
	test_b2d_1806();
	test_b2d_1809();
	test_isohybrid();
	test_partial_images();
	test_choice();
	test_big_cfg();
	test_not_iso();
	test_hardlink();
	test_zisofs();
	/* ISO_TEST_KEEP=1 keeps the images for a look after a failure. */
	if (getenv("ISO_TEST_KEEP") != NULL) {
		printf("# images kept in %s\n", dir);
	} else {
		struct xherr err = XHERR_INIT;
		ok(util_rm_tree(dir, &err) == 0, "remove %s: %s", dir, err.msg);
	}
	free(kernel);
	free(initrd);
}

int
main(void)
{
	test_parse_append();
	test_names();
	test_pvd();
	test_images();
	return tap_done();
}
