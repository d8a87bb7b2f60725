#ifndef IMAGE_INBOX_CRENAME_H
#define IMAGE_INBOX_CRENAME_H

/// renameat2(2) with RENAME_NOREPLACE: one atomic step that never replaces an existing name.
///
/// glibc declares renameat2 only with _GNU_SOURCE and Swift cannot call the variadic syscall(2),
/// so this shim makes the call. Returns 0, or -1 with errno set (EEXIST when the target exists;
/// EINVAL or ENOSYS where the file system or kernel does not support the flag).
int image_inbox_rename_noreplace(const char *source, const char *target);

#endif
