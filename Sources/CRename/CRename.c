#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CRename.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

// From <linux/openat2.h>, spelled out so that older kernel headers build too.
struct image_inbox_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
#define IMAGE_INBOX_RESOLVE_NO_MAGICLINKS 0x02
#define IMAGE_INBOX_RESOLVE_NO_SYMLINKS 0x04
#define IMAGE_INBOX_RESOLVE_BENEATH 0x08
#if !defined(SYS_openat2) && defined(__x86_64__)
#define SYS_openat2 437
#endif
#if !defined(SYS_openat2) && defined(__aarch64__)
#define SYS_openat2 437
#endif

int image_inbox_rename_noreplace(const char *source, const char *target) {
    return image_inbox_renameat_noreplace(AT_FDCWD, source, AT_FDCWD, target);
}

int image_inbox_renameat_noreplace(int source_directory, const char *source, int target_directory, const char *target) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, source_directory, source, target_directory, target, RENAME_NOREPLACE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int image_inbox_open_beneath(int directory, const char *path, int flags, mode_t mode) {
#ifdef SYS_openat2
    struct image_inbox_open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    // openat2 refuses a mode without O_CREAT or O_TMPFILE (EINVAL).
    how.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0;
    how.resolve = IMAGE_INBOX_RESOLVE_BENEATH | IMAGE_INBOX_RESOLVE_NO_SYMLINKS | IMAGE_INBOX_RESOLVE_NO_MAGICLINKS;
    long fd = -1;
    // EAGAIN: a rename elsewhere raced the lookup (the kernel cannot prove it stayed beneath).
    for (int tries = 0; tries < 16; tries++) {
        fd = syscall(SYS_openat2, directory, path, &how, sizeof how);
        if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
    }
    return (int)fd;
#else
    errno = ENOSYS;
    return -1;
#endif
}
