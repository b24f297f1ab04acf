/* mem_linux: glibc's malloc_trim. */
#include "mem.h"

#include <malloc.h>

void
mem_release(void)
{
	malloc_trim(0);
}
