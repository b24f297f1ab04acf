#include "kimg.h"

#include <stdlib.h>
#include <string.h>

#include "libarchive.h"
#include "util.h"

/* The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS	0x1f1
#define BZ_HEADER	0x202
#define BZ_VERSION	0x206
#define BZ_PAYLOAD_OFF	0x248
#define BZ_PAYLOAD_LEN	0x24c
#define BZ_MIN_LEN	0x250
/* payload_offset and payload_length came with 2.08. */
#define BZ_MIN_VERSION	0x0208
/* A 4-byte size after at least one byte of compressed stream. */
#define BZ_MIN_PAYLOAD	5

#define EHDR_SIZE	64
#define PHDR_SIZE	56
#define NHDR_SIZE	12
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_NOTE		4
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* [off, off + n) inside [0, len), written so that no sum can wrap. */
static int
inside(uint64_t off, uint64_t n, size_t len)
{
	return off <= (uint64_t)len && n <= (uint64_t)len - off;
}

int
kimg_bzimage_payload(const unsigned char *buf, size_t len, size_t *off,
    size_t *plen)
{
	uint64_t start, n;
	unsigned sects;

	if (len < BZ_MIN_LEN || memcmp(buf + BZ_HEADER, "HdrS", 4) != 0 ||
	    le16(buf + BZ_VERSION) < BZ_MIN_VERSION)
		return -1;
	/* Old kernels left the field 0; the boot protocol reads that as 4. */
	sects = buf[BZ_SETUP_SECTS] != 0 ? buf[BZ_SETUP_SECTS] : 4;
	/* In 64 bits: the sum of a 17-bit base and a 32-bit offset cannot
	 * wrap there, and on a 32-bit host it may exceed size_t. */
	start = (uint64_t)(sects + 1) * 512 + le32(buf + BZ_PAYLOAD_OFF);
	n = le32(buf + BZ_PAYLOAD_LEN);
	if (n < BZ_MIN_PAYLOAD || !inside(start, n, len))
		return -1;
	*off = (size_t)start;
	*plen = (size_t)n;
	return 0;
}

uint32_t
kimg_payload_size(const unsigned char *payload, size_t plen)
{
	if (plen < 4)
		return 0;
	return le32(payload + plen - 4);
}

/* The notes of one PT_NOTE segment, seg[0..n): -1 when one does not fit,
 * else 0. The first PVH entry point met sets *found and *entry; the notes
 * after it are still checked, so that a file is well-formed or not
 * whichever segment the entry is in. */
static int
scan_notes(const unsigned char *seg, uint64_t n, uint64_t align,
    int *found, uint32_t *entry)
{
	uint64_t pos = 0, namesz, descsz, namepad, descpad;
	uint32_t type;

	while (pos < n) {
		if (n - pos < NHDR_SIZE)
			return -1;
		namesz = le32(seg + pos);
		descsz = le32(seg + pos + 4);
		type = le32(seg + pos + 8);
		pos += NHDR_SIZE;
		/* 64-bit sums: a 32-bit size of 0xffffffff cannot wrap. */
		namepad = (namesz + align - 1) & ~(align - 1);
		descpad = (descsz + align - 1) & ~(align - 1);
		/* The last note's desc may go without its padding. */
		if (namepad > n - pos || descsz > n - pos - namepad)
			return -1;
		if (!*found && type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    memcmp(seg + pos, "Xen", 4) == 0 &&
		    (descsz == 4 || descsz == 8)) {
			/* A 32-bit physical address whatever the field's
			 * width: Linux writes it pointer-wide (_ASM_PTR), 8
			 * bytes on x86-64, other producers 4. */
			*entry = le32(seg + pos + namepad);
			*found = 1;
		}
		pos += namepad;
		pos += descpad < n - pos ? descpad : n - pos;
	}
	return 0;
}

int
kimg_elf_pvh_entry(const unsigned char *buf, size_t len, uint32_t *entry)
{
	uint64_t phoff, off, filesz, align;
	unsigned phnum, i;
	uint32_t e = 0;
	int found = 0;

	if (len < EHDR_SIZE || memcmp(buf, "\177ELF", 4) != 0 ||
	    buf[4] != 2 || buf[5] != 1 ||		/* ELFCLASS64, ELFDATA2LSB */
	    le16(buf + 16) != ET_EXEC || le16(buf + 18) != EM_X86_64 ||
	    le16(buf + 52) < EHDR_SIZE)
		return -1;
	phoff = le64(buf + 32);
	phnum = le16(buf + 56);
	/* PN_XNUM (the count kept in section 0 instead) is for files with
	 * more than 0xfffe segments, which no kernel has. */
	if (phnum == 0xffff || (phnum > 0 && le16(buf + 54) != PHDR_SIZE))
		return -1;
	if (!inside(phoff, (uint64_t)phnum * PHDR_SIZE, len))
		return -1;
	/* Every segment is checked, not only the notes: a vmlinux cut short
	 * in its text is not a kernel QEMU can load. */
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = buf + phoff + (uint64_t)i * PHDR_SIZE;

		off = le64(ph + 8);
		filesz = le64(ph + 32);
		if (!inside(off, filesz, len))
			return -1;
		if (le32(ph) != PT_NOTE)
			continue;
		/* readelf's and QEMU's rule: 8 only where the segment says
		 * so (GNU property notes), else the 4 that Linux and the
		 * GNU tools write for ELF64 too. */
		align = le64(ph + 48) == 8 ? 8 : 4;
		if (scan_notes(buf + off, filesz, align, &found, &e) == -1)
			return -1;
	}
	if (found)
		*entry = e;
	return found;
}

/* I/O: the PVH ELF out of a bzImage. */

int
kimg_pvh_from_bzimage(const char *bz, const char *out, struct xherr *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct util_atomic w = { -1, NULL, NULL };
	unsigned char *elf = NULL;
	char *file = NULL;
	size_t len, off, plen, got = 0;
	uint32_t usize, entry;
	int rc = -1;

	if (util_read_file(bz, KIMG_MAX, &file, &len, err) == -1)
		return -1;
	if (kimg_bzimage_payload((unsigned char *)file, len, &off, &plen) == -1) {
		rc = 0;
		goto out;
	}
	usize = kimg_payload_size((unsigned char *)file + off, plen);
	if (usize < 64 || usize > KIMG_MAX) {
		xherr_set(err, XHE_INVAL, "%s: the kernel's size (%u bytes, from "
		    "its payload's last 4) is not plausible", bz, usize);
		goto out;
	}
	if (arc_load(err) == -1)
		goto out;
	a = arc.archive_read_new();
	arc.archive_read_support_filter_all(a);
	arc.archive_read_support_format_raw(a);
	/* Every compressor but gzip (whose own trailer ends in the size) has
	 * the size appended after its stream: not part of it. */
	unsigned char *p = (unsigned char *)file + off;
	size_t slen = plen >= 2 && p[0] == 0x1f && p[1] == 0x8b ? plen : plen - 4;
	if (arc.archive_read_open_memory(a, p, slen) != ARCHIVE_OK ||
	    arc.archive_read_next_header(a, &e) != ARCHIVE_OK) {
		xherr_set(err, XHE_INVAL, "%s: cannot decompress its kernel: %s",
		    bz, arc.archive_error_string(a));
		goto out;
	}
	elf = xmalloc(usize);
	while (got < usize) {
		size_t want = usize - got < 65536 ? usize - got : 65536;
		la_ssize_t r = arc.archive_read_data(a, elf + got, want);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	/* The size the payload ends with is what the kernel's own
	 * decompressor trusts: a stream that gives other than that is
	 * damaged (the 4 bytes after an xz stream may make libarchive
	 * complain once everything was read; that is no error here). */
	if (got != usize) {
		xherr_set(err, XHE_INVAL, "%s: its kernel decompressed to %zu "
		    "bytes, not the %u its payload says%s%s", bz, got, usize,
		    arc.archive_error_string(a) ? ": " : "",
		    arc.archive_error_string(a) ? arc.archive_error_string(a) :
		    "");
		goto out;
	}
	int pvh = kimg_elf_pvh_entry(elf, got, &entry);
	if (pvh == -1) {
		xherr_set(err, XHE_INVAL, "%s: its payload is not an x86-64 ELF "
		    "kernel", bz);
		goto out;
	}
	if (pvh == 0) {
		rc = 0;
		goto out;
	}
	if (util_atomic_open(&w, out, 0644, err) == -1 ||
	    util_atomic_write(&w, elf, got, err) == -1 ||
	    util_atomic_commit_as(&w, 0, err) == -1)
		goto out;
	rc = 1;
out:
	if (w.fd != -1)
		util_atomic_abort(&w);
	if (a != NULL)
		arc.archive_read_free(a);
	free(elf);
	free(file);
	return rc;
}
