/*
 * kimg: what a Linux x86 kernel file is, from its bytes alone. A kernel
 * handed to the hypervisor is either a bzImage (the compressed kernel behind
 * the real-mode setup code; xhyve and QEMU both boot it) or an uncompressed
 * ELF vmlinux, which QEMU's -kernel boots only through the Xen PVH entry
 * point its notes give. Knowing which, before starting a machine, turns a
 * guest that hangs without a word into an error that names the file.
 *
 *	size_t off, plen;
 *	if (kimg_bzimage_payload(buf, len, &off, &plen) == 0)
 *		usize = kimg_payload_size(buf + off, plen);
 *	else if (kimg_elf_pvh_entry(buf, len, &entry) == 1)
 *		... boot entry ...
 *
 * The caller reads the file and owns the buffer; the three parsers are
 * pure (no I/O, no allocation) and reads only within buf[0..len), each
 * integer byte by byte (the offsets inside a kernel file need not be
 * aligned, and the file is little endian whatever the host is).
 */
#ifndef KIMG_H
#define KIMG_H

#include <stddef.h>
#include <stdint.h>

#include "xherr.h"

/* bzImage (x86 boot protocol >= 2.08): the compressed kernel's place in the file.
 * Checks: len >= 0x250, "HdrS" at 0x202, version (u16 at 0x206) >= 0x0208,
 * setup_sects (u8 at 0x1f1; 0 means 4), payload_offset (u32 at 0x248) and
 * payload_length (u32 at 0x24c), counted from (setup_sects + 1) * 512; the
 * payload must lie inside len and be at least 5 bytes long (every compressor's
 * stream is followed, or ended, by the 4-byte little-endian uncompressed size).
 * Returns 0 with *off and *plen (bytes within buf), or -1. */
int kimg_bzimage_payload(const unsigned char *buf, size_t len, size_t *off, size_t *plen);
/* The uncompressed size the payload's last 4 bytes give (little endian).
 * plen >= 4; a shorter payload gives 0 rather than a read before it. */
uint32_t kimg_payload_size(const unsigned char *payload, size_t plen);
/* An ELF64 little-endian x86-64 executable (e_machine 62): 1 when a PT_NOTE program
 * header holds a note named "Xen" of type 18 (XEN_ELFNOTE_PHYS32_ENTRY, the PVH entry
 * point QEMU -kernel uses for an ELF), *entry its 32-bit value (desc may be 4 or 8 bytes; take the low 32 bits);
 * 0 when it is such an ELF without that note; -1 when it is not a well-formed ELF64
 * x86-64 file (every offset and size checked against len, with overflow-safe
 * arithmetic; note name/desc sizes padded to 4 bytes as the ELF spec says).
 * *entry is written only when the result is 1. Notes are padded to 8 bytes
 * in a PT_NOTE whose p_align is 8 (GNU property notes), as readelf and
 * QEMU read them; a type-18 "Xen" note whose desc is neither 4 nor 8 bytes
 * is no entry point and is passed over. */
int kimg_elf_pvh_entry(const unsigned char *buf, size_t len, uint32_t *entry);

/*
 * The one function here that reads and writes files: the ELF inside the
 * bzImage at bz, when it has the PVH entry, decompressed (libarchive's
 * filters: xz, gzip, zstd, lzma, ...) to out without fsync (a derived file:
 * the caller records and checks it). 1 written, 0 bz is no bzImage or its
 * ELF has no PVH entry (boot bz as it is), -1 error. The file is read into
 * memory: at most KIMG_MAX bytes of bzImage and of ELF.
 */
#define KIMG_MAX (512u << 20)
int kimg_pvh_from_bzimage(const char *bz, const char *out, struct xherr *err);

#endif
