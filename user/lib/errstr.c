// errstr.c: names and messages for the error numbers of include/errno.h,
// and the error printers every tool uses ("prog: what: message").
// Messages are lower case so they read well after a colon.
#include "user.h"

struct errinfo {
  int num;
  const char *name;
  const char *msg;
};

static const struct errinfo errtab[] = {
  { EPERM,           "EPERM",           "operation not permitted" },
  { ENOENT,          "ENOENT",          "no such file or directory" },
  { ESRCH,           "ESRCH",           "no such process" },
  { EINTR,           "EINTR",           "interrupted system call" },
  { EIO,             "EIO",             "input/output error" },
  { ENXIO,           "ENXIO",           "no such device or address" },
  { E2BIG,           "E2BIG",           "argument list too long" },
  { ENOEXEC,         "ENOEXEC",         "exec format error" },
  { EBADF,           "EBADF",           "bad file descriptor" },
  { ECHILD,          "ECHILD",          "no child processes" },
  { EAGAIN,          "EAGAIN",          "resource temporarily unavailable" },
  { ENOMEM,          "ENOMEM",          "out of memory" },
  { EACCES,          "EACCES",          "permission denied" },
  { EFAULT,          "EFAULT",          "bad address" },
  { EBUSY,           "EBUSY",           "device or resource busy" },
  { EEXIST,          "EEXIST",          "file exists" },
  { EXDEV,           "EXDEV",           "invalid cross-device link" },
  { ENODEV,          "ENODEV",          "no such device" },
  { ENOTDIR,         "ENOTDIR",         "not a directory" },
  { EISDIR,          "EISDIR",          "is a directory" },
  { EINVAL,          "EINVAL",          "invalid argument" },
  { ENFILE,          "ENFILE",          "too many open files in system" },
  { EMFILE,          "EMFILE",          "too many open files" },
  { ENOTTY,          "ENOTTY",          "inappropriate ioctl for device" },
  { EFBIG,           "EFBIG",           "file too large" },
  { ENOSPC,          "ENOSPC",          "no space left on device" },
  { ESPIPE,          "ESPIPE",          "illegal seek" },
  { EROFS,           "EROFS",           "read-only file system" },
  { EMLINK,          "EMLINK",          "too many links" },
  { EPIPE,           "EPIPE",           "broken pipe" },
  { ERANGE,          "ERANGE",          "result out of range" },
  { EDEADLK,         "EDEADLK",         "resource deadlock avoided" },
  { ENAMETOOLONG,    "ENAMETOOLONG",    "file name too long" },
  { ENOSYS,          "ENOSYS",          "function not implemented" },
  { ENOTEMPTY,       "ENOTEMPTY",       "directory not empty" },
  { ENOSTR,          "ENOSTR",          "device not a stream" },
  { ENODATA,         "ENODATA",         "no data available" },
  { ETIME,           "ETIME",           "timer expired" },
  { ENOSR,           "ENOSR",           "out of streams resources" },
  { EPROTO,          "EPROTO",          "protocol error" },
  { EBADMSG,         "EBADMSG",         "bad message" },
  { EOVERFLOW,       "EOVERFLOW",       "value too large for defined data type" },
  { EMSGSIZE,        "EMSGSIZE",        "message too long" },
  { EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported" },
  { ENOTSUP,         "ENOTSUP",         "operation not supported" },
  { EADDRINUSE,      "EADDRINUSE",      "address already in use" },
  { EADDRNOTAVAIL,   "EADDRNOTAVAIL",   "cannot assign requested address" },
  { ENETDOWN,        "ENETDOWN",        "network is down" },
  { ENETUNREACH,     "ENETUNREACH",     "network is unreachable" },
  { ECONNABORTED,    "ECONNABORTED",    "software caused connection abort" },
  { ECONNRESET,      "ECONNRESET",      "connection reset by peer" },
  { ENOBUFS,         "ENOBUFS",         "no buffer space available" },
  { EISCONN,         "EISCONN",         "transport endpoint is already connected" },
  { ENOTCONN,        "ENOTCONN",        "transport endpoint is not connected" },
  { ETIMEDOUT,       "ETIMEDOUT",       "connection timed out" },
  { ECONNREFUSED,    "ECONNREFUSED",    "connection refused" },
  { EHOSTUNREACH,    "EHOSTUNREACH",    "no route to host" },
  { EALREADY,        "EALREADY",        "operation already in progress" },
  { EINPROGRESS,     "EINPROGRESS",     "operation now in progress" },
};

// |err| without overflow for the most negative int
static uint
magnitude(int err)
{
  return err < 0 ? 0u - (uint)err : (uint)err;
}

static const struct errinfo *
lookup(int err)
{
  uint n = magnitude(err);
  for(uint64 i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++){
    if((uint)errtab[i].num == n)
      return &errtab[i];
  }
  return 0;
}

const char *
strerror(int err)
{
  static char unknown[32];
  const struct errinfo *e;

  if(err == 0)
    return "success";
  e = lookup(err);
  if(e)
    return e->msg;
  snprintf(unknown, sizeof(unknown), "unknown error %u", magnitude(err));
  return unknown;
}

const char *
errname(int err)
{
  const struct errinfo *e = lookup(err);
  return e ? e->name : "E?";
}

void
eprint(const char *prog, const char *what, int err)
{
  if(what)
    fprintf(2, "%s: %s: %s\n", prog, what, strerror(err));
  else
    fprintf(2, "%s: %s\n", prog, strerror(err));
}

void
die(const char *prog, const char *what, int err)
{
  eprint(prog, what, err);
  exit(1);
}
