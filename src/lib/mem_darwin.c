/* mem_darwin: large regions go back when freed; nothing to do. */
#include "mem.h"

void
mem_release(void)
{
}
