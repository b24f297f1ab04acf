/*
 * fuzz_kimg: libFuzzer target over kimg_bzimage_payload, kimg_payload_size
 * and kimg_elf_pvh_entry, which read kernel files a user names. The input
 * goes to each as it is (libFuzzer's buffer is exactly size bytes, so ASan
 * sees a read past it).
 *
 * Invariants: a payload found lies within the input, is at least 5 bytes
 * long and starts after the header fields that placed it, and those fields
 * ("HdrS", version >= 0x0208) are there; kimg_elf_pvh_entry returns -1, 0
 * or 1, writes *entry only for 1, and 0 or 1 only for an input that starts
 * with an ELF64 little-endian header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kimg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

#define SENTINEL 0xa5a5a5a5u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = SIZE_MAX, plen = SIZE_MAX;
	uint32_t entry = SENTINEL, usize;
	int r;

	r = kimg_bzimage_payload(data, size, &off, &plen);
	CHECK(r == 0 || r == -1);
	if (r == 0) {
		CHECK(size >= 0x250);
		CHECK(memcmp(data + 0x202, "HdrS", 4) == 0);
		CHECK((data[0x206] | data[0x207] << 8) >= 0x0208);
		CHECK(plen >= 5);
		CHECK(off <= size && plen <= size - off);
		/* setup_sects is 1 to 255, or 0 read as 4. */
		CHECK(off >= 2 * 512);
		usize = kimg_payload_size(data + off, plen);
		CHECK(usize == ((uint32_t)data[off + plen - 4] |
		    (uint32_t)data[off + plen - 3] << 8 |
		    (uint32_t)data[off + plen - 2] << 16 |
		    (uint32_t)data[off + plen - 1] << 24));
	}

	r = kimg_elf_pvh_entry(data, size, &entry);
	CHECK(r == -1 || r == 0 || r == 1);
	if (r != 1)
		CHECK(entry == SENTINEL);
	if (r != -1)
		CHECK(size >= 64 && memcmp(data, "\177ELF\2\1", 6) == 0 &&
		    data[18] == 62 && data[19] == 0);
	return 0;
}
