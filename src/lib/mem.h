/*
 * mem: hand freed memory back to the system after a large, short-lived
 * allocation (the plugin's large RPC arguments). glibc keeps freed heap
 * memory for reuse and gives it back only on malloc_trim (mem_linux.c);
 * macOS's allocator returns large regions by itself (mem_darwin.c).
 */
#ifndef MEM_H
#define MEM_H

void mem_release(void);

#endif
