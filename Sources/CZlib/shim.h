#ifndef IMAGE_INBOX_CZLIB_SHIM_H
#define IMAGE_INBOX_CZLIB_SHIM_H
#include <zlib.h>
#endif
