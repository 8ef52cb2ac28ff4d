/* An LD_PRELOAD shim for tests/app/test_faults.sh, for machines where the test cannot mount a
 * small tmpfs (no root, or a chroot that refuses mount): files under MESOSIM_FAULT_DIR behave as
 * on a full or a read-only disk.
 *   MESOSIM_FAULT_DIR=/abs/dir        the folder affected (files whose path starts with it)
 *   MESOSIM_FAULT_ENOSPC_AFTER=BYTES  writes fail with ENOSPC once BYTES have been written there
 *   MESOSIM_FAULT_READ_ONLY=1         opening for writing, creating, mkdir, rename, unlink: EROFS
 * Built by the test itself: cc -shared -fPIC -O1 -o fault_shim.so fault_shim.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written = 0;

static const char* fault_dir(void) { return getenv("MESOSIM_FAULT_DIR"); }

static int under(const char* path) {
  const char* dir = fault_dir();
  if (!dir || !path) return 0;
  char full[PATH_MAX];
  if (path[0] != '/') {
    if (!getcwd(full, sizeof full)) return 0;
    strncat(full, "/", sizeof full - strlen(full) - 1);
    strncat(full, path, sizeof full - strlen(full) - 1);
    path = full;
  }
  return strncmp(path, dir, strlen(dir)) == 0;
}

static int fd_under(int fd) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return under(path);
}

static int read_only(const char* path) {
  const char* flag = getenv("MESOSIM_FAULT_READ_ONLY");
  return flag && flag[0] == '1' && under(path);
}

/* How many of `size` bytes may still be written to fd (-1: fail with ENOSPC now). */
static ssize_t budget(int fd, size_t size) {
  const char* limit = getenv("MESOSIM_FAULT_ENOSPC_AFTER");
  if (!limit || !fd_under(fd)) return (ssize_t)size;
  const long long left = atoll(limit) - written;
  if (left <= 0) return -1;
  return (ssize_t)((long long)size < left ? (long long)size : left);
}

#define REAL(name) static __typeof__(name)* real_##name; if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

static int writes(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }

int open(const char* path, int flags, ...) {
  REAL(open);
  va_list args;
  va_start(args, flags);
  const mode_t mode = (flags & O_CREAT) ? va_arg(args, mode_t) : 0;
  va_end(args);
  if (writes(flags) && read_only(path)) { errno = EROFS; return -1; }
  return real_open(path, flags, mode);
}
int open64(const char* path, int flags, ...) {
  REAL(open64);
  va_list args;
  va_start(args, flags);
  const mode_t mode = (flags & O_CREAT) ? va_arg(args, mode_t) : 0;
  va_end(args);
  if (writes(flags) && read_only(path)) { errno = EROFS; return -1; }
  return real_open64(path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
  REAL(openat);
  va_list args;
  va_start(args, flags);
  const mode_t mode = (flags & O_CREAT) ? va_arg(args, mode_t) : 0;
  va_end(args);
  if (writes(flags) && read_only(path)) { errno = EROFS; return -1; }
  return real_openat(dirfd, path, flags, mode);
}
FILE* fopen(const char* path, const char* how) {
  REAL(fopen);
  if (strpbrk(how, "wa+") && read_only(path)) { errno = EROFS; return NULL; }
  return real_fopen(path, how);
}
FILE* fopen64(const char* path, const char* how) {
  REAL(fopen64);
  if (strpbrk(how, "wa+") && read_only(path)) { errno = EROFS; return NULL; }
  return real_fopen64(path, how);
}
int mkdir(const char* path, mode_t mode) {
  REAL(mkdir);
  if (read_only(path)) { errno = EROFS; return -1; }
  return real_mkdir(path, mode);
}
int rename(const char* from, const char* to) {
  REAL(rename);
  if (read_only(from) || read_only(to)) { errno = EROFS; return -1; }
  return real_rename(from, to);
}
int unlink(const char* path) {
  REAL(unlink);
  if (read_only(path)) { errno = EROFS; return -1; }
  return real_unlink(path);
}

ssize_t write(int fd, const void* data, size_t size) {
  REAL(write);
  const ssize_t allowed = budget(fd, size);
  if (allowed < 0) { errno = ENOSPC; return -1; }
  const ssize_t n = real_write(fd, data, (size_t)allowed);
  if (n > 0 && fd_under(fd)) written += n;
  return n;
}
ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  REAL(pwrite);
  const ssize_t allowed = budget(fd, size);
  if (allowed < 0) { errno = ENOSPC; return -1; }
  const ssize_t n = real_pwrite(fd, data, (size_t)allowed, offset);
  if (n > 0 && fd_under(fd)) written += n;
  return n;
}
ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset) {
  REAL(pwrite64);
  const ssize_t allowed = budget(fd, size);
  if (allowed < 0) { errno = ENOSPC; return -1; }
  const ssize_t n = real_pwrite64(fd, data, (size_t)allowed, offset);
  if (n > 0 && fd_under(fd)) written += n;
  return n;
}
ssize_t writev(int fd, const struct iovec* parts, int n_parts) {
  REAL(writev);
  size_t size = 0;
  for (int p = 0; p < n_parts; ++p) size += parts[p].iov_len;
  const ssize_t allowed = budget(fd, size);
  if (allowed < 0) { errno = ENOSPC; return -1; }
  if ((size_t)allowed < size) { /* a short write: the first bytes only, through write() */
    const ssize_t n = write(fd, parts[0].iov_base, parts[0].iov_len < (size_t)allowed ? parts[0].iov_len : (size_t)allowed);
    return n;
  }
  const ssize_t n = real_writev(fd, parts, n_parts);
  if (n > 0 && fd_under(fd)) written += n;
  return n;
}
