#include "allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>

void exemplar_retain_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);  /* blocks below 1 GiB come from the heap */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);  /* keep up to 1 GiB of freed heap for reuse */
    mallopt(M_TOP_PAD, 64 << 20);        /* grow the heap in 64 MiB steps */
}
#else
void exemplar_retain_freed_memory(void) {}
#endif
