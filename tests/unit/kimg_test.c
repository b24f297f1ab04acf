/* kimg: bzImage setup headers and ELF64 kernels with and without a Xen PVH
 * note, built here byte by byte; every cut of them and the malformed fields
 * a hostile or damaged file can hold (each prefix is copied to a buffer of
 * its exact size, so the ASan build catches a read past it); then the
 * Debian kernel `make image` leaves in build/image/kernel/, when it is
 * there. */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "kimg.h"
#include "tap.h"
#include "helpers.h"
#include "util.h"

#define BZ_SECTS	1
#define BZ_POFF		0x20
#define BZ_USIZE	0x00123456u
#define PVH_ENTRY	0x01000850u	/* Debian 6.1's, from its vmlinux */

static void
put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/*
 * bzImage
 */

static const unsigned char xz_stream[] = {
	0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6,
};

/* setup_sects sects, the payload (xz magic and the 4-byte size) at poff
 * from the protected-mode code; the file ends where the payload does, so
 * that every shorter cut loses part of it. Returns the length. */
static size_t
make_bzimage(unsigned char *buf, size_t cap, unsigned sects, uint32_t poff)
{
	size_t base = ((sects ? sects : 4) + 1) * 512;
	size_t plen = sizeof xz_stream + 4;
	size_t len = base + poff + plen;

	if (len > cap)
		abort();
	memset(buf, 0, len);
	buf[0x1f1] = (unsigned char)sects;
	put16(buf + 0x1fe, 0xaa55);
	memcpy(buf + 0x202, "HdrS", 4);
	put16(buf + 0x206, 0x0208);
	put32(buf + 0x248, poff);
	put32(buf + 0x24c, (uint32_t)plen);
	memcpy(buf + base + poff, xz_stream, sizeof xz_stream);
	put32(buf + base + poff + sizeof xz_stream, BZ_USIZE);
	return len;
}

/* kimg_bzimage_payload on an exactly-sized heap copy. */
static int
bz_copy(const unsigned char *buf, size_t len, size_t *off, size_t *plen)
{
	unsigned char *c = xmalloc(len);
	int r;

	memcpy(c, buf, len);
	r = kimg_bzimage_payload(c, len, off, plen);
	free(c);
	return r;
}

static void
test_bzimage(void)
{
	unsigned char buf[4096];
	size_t len, n, off = 0, plen = 0, bad;
	size_t base = (BZ_SECTS + 1) * 512;

	len = make_bzimage(buf, sizeof buf, BZ_SECTS, BZ_POFF);
	is_int(bz_copy(buf, len, &off, &plen), 0, "bzImage: payload found");
	is_int(off, base + BZ_POFF, "... at (setup_sects + 1) * 512 + "
	    "payload_offset");
	is_int(plen, sizeof xz_stream + 4, "... payload_length bytes long");
	ok(memcmp(buf + off, xz_stream, sizeof xz_stream) == 0,
	    "... starting with the xz magic");
	is_int(kimg_payload_size(buf + off, plen), BZ_USIZE,
	    "... uncompressed size from its last 4 bytes");

	bad = 0;
	for (n = 0; n < len; n++)
		bad += bz_copy(buf, n, &off, &plen) != -1;
	is_int(bad, 0, "bzImage: all %zu shorter cuts refused", len);

	len = make_bzimage(buf, sizeof buf, 0, 0);
	is_int(bz_copy(buf, len, &off, &plen), 0, "setup_sects 0: accepted");
	is_int(off, 5 * 512, "... and read as 4");

	len = make_bzimage(buf, sizeof buf, BZ_SECTS, BZ_POFF);
	put16(buf + 0x206, 0x0207);
	is_int(bz_copy(buf, len, &off, &plen), -1, "version 0x0207 refused");
	put16(buf + 0x206, 0x020f);
	is_int(bz_copy(buf, len, &off, &plen), 0, "version 0x020f accepted");
	memcpy(buf + 0x202, "HdrT", 4);
	is_int(bz_copy(buf, len, &off, &plen), -1, "bad magic refused");
	memcpy(buf + 0x202, "HdrS", 4);

	put32(buf + 0x24c, sizeof xz_stream + 5);
	is_int(bz_copy(buf, len, &off, &plen), -1,
	    "payload one byte past the end refused");
	put32(buf + 0x24c, sizeof xz_stream + 4);
	put32(buf + 0x248, BZ_POFF + 1);
	is_int(bz_copy(buf, len, &off, &plen), -1,
	    "payload starting one byte late refused");
	put32(buf + 0x248, BZ_POFF);
	/* The last 5 bytes are a payload the rule allows, 4 are not. */
	put32(buf + 0x248, (uint32_t)(len - base - 5));
	put32(buf + 0x24c, 5);
	is_int(bz_copy(buf, len, &off, &plen), 0, "5-byte payload accepted");
	put32(buf + 0x248, (uint32_t)(len - base - 4));
	put32(buf + 0x24c, 4);
	is_int(bz_copy(buf, len, &off, &plen), -1, "4-byte payload refused");
	put32(buf + 0x24c, 0);
	is_int(bz_copy(buf, len, &off, &plen), -1, "empty payload refused");

	put32(buf + 0x248, 0xffffffff);
	put32(buf + 0x24c, 16);
	is_int(bz_copy(buf, len, &off, &plen), -1,
	    "payload_offset 0xffffffff refused");
	put32(buf + 0x248, BZ_POFF);
	put32(buf + 0x24c, 0xffffffff);
	is_int(bz_copy(buf, len, &off, &plen), -1,
	    "payload_length 0xffffffff refused");
	put32(buf + 0x248, 0xffffffff);
	is_int(bz_copy(buf, len, &off, &plen), -1,
	    "both 0xffffffff (a sum that wraps in 32 bits) refused");

	is_int(kimg_payload_size((const unsigned char *)"\x01\x02\x03\x04", 4),
	    0x04030201, "payload size: little endian");
	is_int(kimg_payload_size((const unsigned char *)"\x01\x02\x03", 3), 0,
	    "payload size: 0 from fewer than 4 bytes");
}

/*
 * ELF64
 */

#define EHDR	64
#define PHDR	56
#define NOTES	(EHDR + 2 * PHDR)	/* after a PT_LOAD and a PT_NOTE */
#define TEXT	16			/* the PT_LOAD's bytes, at the end */

/* One note at notes[*pos], padded to align; name is namesz bytes. */
static void
add_note(unsigned char *notes, size_t *pos, const char *name, uint32_t namesz,
    uint32_t type, const void *desc, uint32_t descsz, size_t align)
{
	unsigned char *p = notes + *pos;
	size_t np = (namesz + align - 1) / align * align;
	size_t dp = (descsz + align - 1) / align * align;

	memset(p, 0, 12 + np + dp);
	put32(p, namesz);
	put32(p + 4, descsz);
	put32(p + 8, type);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + np, desc, descsz);
	*pos += 12 + np + dp;
}

/* An x86-64 executable: the ELF header, a PT_LOAD of TEXT bytes at the end
 * of the file and a PT_NOTE over the given notes. Returns the length. */
static size_t
make_elf(unsigned char *buf, size_t cap, const unsigned char *notes,
    size_t nlen, uint64_t align)
{
	size_t len = NOTES + nlen + TEXT;
	unsigned char *ph;

	if (len > cap)
		abort();
	memset(buf, 0, len);
	memcpy(buf, "\177ELF\2\1\1", 7);
	put16(buf + 16, 2);		/* ET_EXEC */
	put16(buf + 18, 62);		/* EM_X86_64 */
	put32(buf + 20, 1);
	put64(buf + 24, 0x1000000);
	put64(buf + 32, EHDR);
	put16(buf + 52, EHDR);
	put16(buf + 54, PHDR);
	put16(buf + 56, 2);
	ph = buf + EHDR;
	put32(ph, 1);			/* PT_LOAD */
	put32(ph + 4, 5);
	put64(ph + 8, NOTES + nlen);
	put64(ph + 16, 0xffffffff81000000);
	put64(ph + 24, 0x1000000);
	put64(ph + 32, TEXT);
	put64(ph + 40, TEXT);
	put64(ph + 48, 0x200000);
	ph += PHDR;
	put32(ph, 4);			/* PT_NOTE */
	put32(ph + 4, 4);
	put64(ph + 8, NOTES);
	put64(ph + 32, nlen);
	put64(ph + 40, nlen);
	put64(ph + 48, align);
	memcpy(buf + NOTES, notes, nlen);
	memset(buf + NOTES + nlen, 0xcc, TEXT);
	return len;
}

/* A GNU build id, Xen's guest-os note, then (xtype, xdesc of xdescsz
 * bytes) named xname, the way a vmlinux lays them out. */
static size_t
make_kernel(unsigned char *buf, size_t cap, const char *xname, uint32_t xtype,
    const void *xdesc, uint32_t xdescsz)
{
	static const unsigned char id[20] = { 0x6a, 0x2b, 0x4a, 0xc7 };
	unsigned char notes[256];
	size_t n = 0;

	add_note(notes, &n, "GNU", 4, 3, id, sizeof id, 4);
	add_note(notes, &n, "Xen", 4, 6, "linux", 6, 4);
	add_note(notes, &n, xname, 4, xtype, xdesc, xdescsz, 4);
	return make_elf(buf, cap, notes, n, 4);
}

static const unsigned char entry8[8] = { 0x50, 0x08, 0x00, 0x01, 0, 0, 0, 0 };

/* kimg_elf_pvh_entry on an exactly-sized heap copy; *entry starts as a
 * sentinel so that a write on a result other than 1 shows. */
static int
elf_copy(const unsigned char *buf, size_t len, uint32_t *entry)
{
	unsigned char *c = xmalloc(len);
	int r;

	memcpy(c, buf, len);
	*entry = 0xa5a5a5a5;
	r = kimg_elf_pvh_entry(c, len, entry);
	free(c);
	return r;
}

static void
check_elf(const unsigned char *buf, size_t len, int want, const char *what)
{
	uint32_t e;
	int r = elf_copy(buf, len, &e);

	is_int(r, want, "%s", what);
	if (want != 1 && r == want)
		is_int(e, 0xa5a5a5a5, "... entry left alone");
}

static void
test_elf_valid(void)
{
	static const unsigned char hi8[8] = { 0x50, 0x08, 0x00, 0x01,
	    0xef, 0xbe, 0xad, 0xde };
	unsigned char buf[1024], notes[64];
	size_t len, n;
	uint32_t e;

	len = make_kernel(buf, sizeof buf, "Xen", 18, entry8, 8);
	is_int(elf_copy(buf, len, &e), 1, "ELF: GNU note, then Xen 6, then "
	    "Xen 18 (8-byte desc)");
	is_int(e, PVH_ENTRY, "... entry read");
	len = make_kernel(buf, sizeof buf, "Xen", 18, entry8, 4);
	is_int(elf_copy(buf, len, &e), 1, "Xen 18 with a 4-byte desc");
	is_int(e, PVH_ENTRY, "... entry read");
	len = make_kernel(buf, sizeof buf, "Xen", 18, hi8, 8);
	is_int(elf_copy(buf, len, &e), 1, "Xen 18, high 32 bits set");
	is_int(e, PVH_ENTRY, "... the low 32 bits taken");

	len = make_kernel(buf, sizeof buf, "Xen", 17, entry8, 4);
	check_elf(buf, len, 0, "Xen notes of other types only: 0");
	len = make_kernel(buf, sizeof buf, "GNU", 18, entry8, 4);
	check_elf(buf, len, 0, "type 18 named GNU: 0");
	len = make_kernel(buf, sizeof buf, "XEN", 18, entry8, 4);
	check_elf(buf, len, 0, "type 18 named XEN: 0");
	len = make_kernel(buf, sizeof buf, "Xen", 18, "\x50\x08\x00\x01\0\0", 6);
	check_elf(buf, len, 0, "Xen 18 with a 6-byte desc: passed over, 0");
	len = make_elf(buf, sizeof buf, notes, 0, 4);
	check_elf(buf, len, 0, "empty PT_NOTE: 0");
	put16(buf + 56, 0);
	check_elf(buf, len, 0, "no program headers: 0");

	/* Notes in a p_align 8 segment are padded to 8, as GNU property
	 * notes are: the desc starts 8 bytes after the name, not 4. */
	n = 0;
	add_note(notes, &n, "Xen", 4, 6, "linux", 6, 8);
	add_note(notes, &n, "Xen", 4, 18, entry8, 8, 8);
	len = make_elf(buf, sizeof buf, notes, n, 8);
	is_int(elf_copy(buf, len, &e), 1, "notes of a p_align 8 segment");
	is_int(e, PVH_ENTRY, "... entry read after 8-byte padding");

	/* The first entry point counts; a later one is checked only for
	 * fitting. */
	n = 0;
	add_note(notes, &n, "Xen", 4, 18, "\x00\x00\x00\x02", 4, 4);
	add_note(notes, &n, "Xen", 4, 18, entry8, 8, 4);
	len = make_elf(buf, sizeof buf, notes, n, 4);
	is_int(elf_copy(buf, len, &e), 1, "two entry notes");
	is_int(e, 0x02000000, "... the first one taken");
}

static void
test_elf_malformed(void)
{
	unsigned char buf[1024], good[1024], notes[64];
	size_t len, n, bad, touched;
	uint32_t e;
	int r;

	len = make_kernel(good, sizeof good, "Xen", 18, entry8, 8);
	bad = touched = 0;
	for (n = 0; n < len; n++) {
		r = elf_copy(good, n, &e);
		bad += r != -1;
		touched += e != 0xa5a5a5a5;
	}
	is_int(bad, 0, "ELF: all %zu shorter cuts refused", len);
	is_int(touched, 0, "... entry left alone by each");
	len = make_kernel(good, sizeof good, "Xen", 17, entry8, 4);
	bad = 0;
	for (n = 0; n < len; n++)
		bad += elf_copy(good, n, &e) != -1;
	is_int(bad, 0, "ELF without the note: all %zu shorter cuts refused",
	    len);
	check_elf(good, len, 0, "... and the whole of it is 0");
	len = make_kernel(good, sizeof good, "Xen", 18, entry8, 8);

#define FROM_GOOD() memcpy(buf, good, len)
	FROM_GOOD();
	buf[3] = 'E';
	check_elf(buf, len, -1, "bad magic refused");
	FROM_GOOD();
	buf[4] = 1;
	check_elf(buf, len, -1, "ELFCLASS32 refused");
	FROM_GOOD();
	buf[5] = 2;
	check_elf(buf, len, -1, "big endian refused");
	FROM_GOOD();
	put16(buf + 18, 3);
	check_elf(buf, len, -1, "EM_386 refused");
	FROM_GOOD();
	put16(buf + 16, 1);
	check_elf(buf, len, -1, "ET_REL refused");
	FROM_GOOD();
	put16(buf + 54, 32);
	check_elf(buf, len, -1, "e_phentsize 32 refused");

	FROM_GOOD();
	put64(buf + 32, 0xffffffffffffffc0);
	check_elf(buf, len, -1, "e_phoff near 2^64 (sum wraps) refused");
	FROM_GOOD();
	put64(buf + 32, len - 2 * PHDR + 1);
	check_elf(buf, len, -1, "program headers one byte past the end "
	    "refused");
	FROM_GOOD();
	put16(buf + 56, 0xfffe);
	check_elf(buf, len, -1, "e_phnum 0xfffe refused");
	FROM_GOOD();
	put16(buf + 56, 0xffff);
	check_elf(buf, len, -1, "e_phnum PN_XNUM refused");
	FROM_GOOD();
	put64(buf + 32, 0xffffffffffffffc0);
	put16(buf + 56, 0xffff);
	check_elf(buf, len, -1, "e_phoff and e_phnum both huge refused");

	/* The PT_NOTE's header is the second. */
#define NOTE_PH (buf + EHDR + PHDR)
	FROM_GOOD();
	put64(NOTE_PH + 32, len - NOTES + 1);
	check_elf(buf, len, -1, "note p_offset + p_filesz one past len "
	    "refused");
	FROM_GOOD();
	put64(NOTE_PH + 8, 0xffffffffffffffff);
	put64(NOTE_PH + 32, 2);
	check_elf(buf, len, -1, "note p_offset 2^64-1 (sum wraps) refused");
	FROM_GOOD();
	put64(NOTE_PH + 32, 0xffffffffffffffff);
	check_elf(buf, len, -1, "note p_filesz 2^64-1 refused");
	FROM_GOOD();
	put64(buf + EHDR + 32, TEXT + 1);
	check_elf(buf, len, -1, "PT_LOAD one byte past the end refused");
	FROM_GOOD();
	put64(NOTE_PH + 32, len - TEXT - NOTES - 4);
	check_elf(buf, len, -1, "a PT_NOTE that cuts the last desc refused");
	FROM_GOOD();
	put64(NOTE_PH + 32, len - TEXT - NOTES + 8);
	check_elf(buf, len, -1, "a PT_NOTE ending in half a note header "
	    "refused");

	/* The first note (GNU) sits at NOTES. */
	FROM_GOOD();
	put32(buf + NOTES, 0xffffffff);
	check_elf(buf, len, -1, "note namesz 0xffffffff refused");
	FROM_GOOD();
	put32(buf + NOTES, 0xfffffffd);
	check_elf(buf, len, -1, "note namesz 0xfffffffd (padding wraps in 32 "
	    "bits) refused");
	FROM_GOOD();
	put32(buf + NOTES + 4, 0xffffffff);
	check_elf(buf, len, -1, "note descsz 0xffffffff refused");
	FROM_GOOD();
	put32(buf + NOTES + 4, 0xfffffffc);
	check_elf(buf, len, -1, "note descsz 0xfffffffc refused");

	/* The malformed note comes after the entry point. */
	n = 0;
	add_note(notes, &n, "Xen", 4, 18, entry8, 8, 4);
	add_note(notes, &n, "Xen", 4, 6, "linux", 6, 4);
	len = make_elf(buf, sizeof buf, notes, n, 4);
	put32(buf + NOTES + 24 + 4, 0xffffffff);
	check_elf(buf, len, -1, "a bad note after the entry point refused");

	check_elf((const unsigned char *)"\177ELF", 4, -1, "4 bytes refused");
}

/*
 * The real thing
 */

static const struct {
	const char *name;
	const unsigned char *magic;
	size_t len;
} compressors[] = {
	{ "xz", (const unsigned char *)"\xfd\x37\x7a\x58\x5a\x00", 6 },
	{ "gzip", (const unsigned char *)"\x1f\x8b", 2 },
	{ "zstd", (const unsigned char *)"\x28\xb5\x2f\xfd", 4 },
};

static void
test_real_kernel(void)
{
	struct xherr err = XHERR_INIT;
	glob_t g;
	size_t i, k, len, off, plen;
	char *buf, msg[300];
	uint32_t e;

	if (glob("build/image/kernel/*/boot/vmlinuz-*", 0, NULL, &g) != 0) {
		ok(1, "Debian bzImage # SKIP no build/image/kernel/*/boot/"
		    "vmlinuz-* (make image builds it)");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		const unsigned char *u;

		if (util_read_file(path, 256 << 20, &buf, &len, &err) == -1) {
			ok(0, "read %s: %s", path, err.msg);
			continue;
		}
		u = (const unsigned char *)buf;
		if (!ok(kimg_bzimage_payload(u, len, &off, &plen) == 0,
		    "%s: payload found", path)) {
			free(buf);
			continue;
		}
		for (k = 0; k < sizeof compressors / sizeof compressors[0]; k++)
			if (plen >= compressors[k].len &&
			    memcmp(u + off, compressors[k].magic,
			    compressors[k].len) == 0)
				break;
		ok(k < sizeof compressors / sizeof compressors[0],
		    "... %s compressed (bytes %zu..%zu of %zu)",
		    k < sizeof compressors / sizeof compressors[0] ?
		    compressors[k].name : "neither xz, gzip nor zstd",
		    off, off + plen, len);
		snprintf(msg, sizeof msg, "%s: payload %zu bytes, %u "
		    "uncompressed", path, plen, kimg_payload_size(u + off,
		    plen));
		tap_diag(msg);
		ok(kimg_payload_size(u + off, plen) > plen,
		    "... its uncompressed size is larger than it");
		is_int(kimg_elf_pvh_entry(u, len, &e), -1,
		    "... and it is no ELF");
		free(buf);
	}
	globfree(&g);
}

/*
 * kimg_pvh_from_bzimage: a synthetic ELF (with or without the PVH note),
 * compressed by the real xz and gzip as the kernel's build does (xz's
 * stream followed by the 4-byte size; gzip's own trailer ends in it),
 * behind a bzImage header, in a temporary directory.
 */
static char tdir[] = "/tmp/kimg_test.XXXXXX";

static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tdir, name);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* <tdir>/<name>: a bzImage whose payload is elf compressed by how
 * ("xz" or "gzip"); size_delta is added to the recorded size. */
static char *
make_bz_file(const char *name, const unsigned char *elf, size_t elen,
    const char *how, int size_delta)
{
	char *raw = tpath("elf.raw"), *z = tpath("elf.z"), *out = tpath(name);
	char *zb;
	size_t zlen;
	struct xherr err = XHERR_INIT;
	int xz = strcmp(how, "xz") == 0;

	write_file(raw, elf, elen);
	if (sh(xz ? "xz --check=crc32 -c %s > %s" : "gzip -n -9 -c %s > %s",
	    raw, z) != 0 || util_read_file(z, 1 << 24, &zb, &zlen, &err) == -1)
		abort();
	size_t plen = zlen + (xz ? 4 : 0), base = 5 * 512;
	unsigned char *bz = xcalloc(1, base + plen);
	bz[0x1f1] = 4;
	put16(bz + 0x1fe, 0xaa55);
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz + 0x206, 0x020f);
	put32(bz + 0x248, 0);
	put32(bz + 0x24c, (uint32_t)plen);
	memcpy(bz + base, zb, zlen);
	if (xz)
		put32(bz + base + zlen, (uint32_t)((int)elen + size_delta));
	else if (size_delta != 0)	/* gzip's ISIZE, rewritten */
		put32(bz + base + zlen - 4, (uint32_t)((int)elen + size_delta));
	write_file(out, bz, base + plen);
	free(bz);
	free(zb);
	free(raw);
	free(z);
	return out;
}

static void
test_pvh_from_bzimage(void)
{
	static const unsigned char entry4[4] = { 0x50, 0x08, 0x00, 0x01 };
	unsigned char elf[4096], plain[4096];
	struct xherr err = XHERR_INIT;
	size_t elen, plen;
	char *got;
	size_t glen;

	if (mkdtemp(tdir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	elen = make_kernel(elf, sizeof elf, "Xen", 18, entry4, 4);
	plen = make_kernel(plain, sizeof plain, "Xen", 6, "linux", 6);
	for (int k = 0; k < 2; k++) {
		const char *how = k ? "gzip" : "xz";
		char *bz = make_bz_file("bz", elf, elen, how, 0);
		char *out = tpath("vmlinux");
		unlink(out);
		is_int(kimg_pvh_from_bzimage(bz, out, &err), 1,
		    "%s: the PVH ELF is taken out: %s", how, err.msg);
		ok(util_read_file(out, 1 << 20, &got, &glen, &err) == 0 &&
		    glen == elen && memcmp(got, elf, elen) == 0,
		    "%s: byte for byte", how);
		free(got);
		unlink(out);
		free(bz);
		bz = make_bz_file("bz", plain, plen, how, 0);
		is_int(kimg_pvh_from_bzimage(bz, out, &err), 0,
		    "%s: an ELF without the PVH note: boot the bzImage", how);
		ok(access(out, F_OK) == -1, "%s: and nothing is written", how);
		free(bz);
		bz = make_bz_file("bz", elf, elen, how, 7);
		err.msg[0] = '\0';
		is_int(kimg_pvh_from_bzimage(bz, out, &err), -1,
		    "%s: a payload that gives less than its recorded size", how);
		ok(strstr(err.msg, "decompressed to ") != NULL &&
		    strstr(err.msg, "its payload says") != NULL,
		    "%s: says so: %s", how, err.msg);
		ok(access(out, F_OK) == -1, "%s: and nothing is written", how);
		free(bz);
		free(out);
	}
	/* Not a bzImage at all: boot it as it is. */
	char *elfpath = tpath("an-elf"), *out = tpath("vmlinux2");
	write_file(elfpath, elf, elen);
	is_int(kimg_pvh_from_bzimage(elfpath, out, &err), 0,
	    "an ELF given as the kernel: nothing to take out");
	/* A bzImage whose payload is not compressed data. */
	unsigned char bz[5 * 512 + 64];
	memset(bz, 0, sizeof bz);
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz + 0x206, 0x020f);
	bz[0x1f1] = 4;
	put32(bz + 0x24c, 64);
	memset(bz + 5 * 512, 'x', 60);
	put32(bz + 5 * 512 + 60, 1000);
	write_file(elfpath, bz, sizeof bz);
	is_int(kimg_pvh_from_bzimage(elfpath, out, &err), -1,
	    "a payload that is not compressed data fails");
	ok(err.msg[0] != '\0' && strstr(err.msg, elfpath) != NULL,
	    "naming the file: %s", err.msg);
	free(elfpath);
	free(out);
	ok(util_rm_tree(tdir, &err) == 0, "remove %s", tdir);
}

int
main(void)
{
	test_bzimage();
	test_elf_valid();
	test_elf_malformed();
	test_real_kernel();
	test_pvh_from_bzimage();
	return tap_done();
}
