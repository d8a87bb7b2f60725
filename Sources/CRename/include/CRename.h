#ifndef IMAGE_INBOX_CRENAME_H
#define IMAGE_INBOX_CRENAME_H

#include <stdint.h>
#include <sys/types.h>

/// O_PATH and AT_EMPTY_PATH, which glibc defines only with _GNU_SOURCE (and Swift's Glibc without).
#define IMAGE_INBOX_O_PATH 010000000
#define IMAGE_INBOX_AT_EMPTY_PATH 0x1000

/// renameat2(2) with RENAME_NOREPLACE: one atomic step that never replaces an existing name.
///
/// glibc declares renameat2 only with _GNU_SOURCE and Swift cannot call the variadic syscall(2),
/// so this shim makes the call. Returns 0, or -1 with errno set (EEXIST when the target exists;
/// EINVAL or ENOSYS where the file system or kernel does not support the flag).
int image_inbox_rename_noreplace(const char *source, const char *target);

/// renameat2(2) with RENAME_NOREPLACE, each name relative to a directory descriptor.
int image_inbox_renameat_noreplace(int source_directory, const char *source, int target_directory, const char *target);

/// openat2(2) resolving `path` beneath `directory` without following any symbolic link
/// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS).
///
/// Returns a descriptor, or -1 with errno set: ELOOP for a symbolic link in any component,
/// EXDEV for a path that would leave `directory`, ENOSYS on a kernel older than Linux 5.6.
int image_inbox_open_beneath(int directory, const char *path, int flags, mode_t mode);

#endif
