#ifndef IMAGE_INBOX_CMALLOC_SHIM_H
#define IMAGE_INBOX_CMALLOC_SHIM_H
// mallopt(3) and M_ARENA_MAX, which Swift's Glibc module leaves out.
#include <malloc.h>
#endif
