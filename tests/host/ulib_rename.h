// ulib_rename.h: for host tests and fuzz harnesses that compile the user
// library's sources (user/lib/*.c) into a host program. Those functions
// share their names with the C library's, so every one is renamed
// (ulib_*) before the sources are included; the host's own C library
// stays usable in the test itself. Include it after the system headers.
#ifndef ULIB_RENAME_H
#define ULIB_RENAME_H

#define memset    ulib_memset
#define memcpy    ulib_memcpy
#define memmove   ulib_memmove
#define memcmp    ulib_memcmp
#define strlen    ulib_strlen
#define strcmp    ulib_strcmp
#define strncmp   ulib_strncmp
#define strcpy    ulib_strcpy
#define strncpy   ulib_strncpy
#define strlcpy   ulib_strlcpy
#define strcat    ulib_strcat
#define strchr    ulib_strchr
#define strrchr   ulib_strrchr
#define strstr    ulib_strstr
#define strdup    ulib_strdup
#define isdigit   ulib_isdigit
#define isspace   ulib_isspace
#define isalpha   ulib_isalpha
#define isalnum   ulib_isalnum
#define isxdigit  ulib_isxdigit
#define atoi      ulib_atoi
#define strtol    ulib_strtol
#define strtoul   ulib_strtoul
#define vsnprintf ulib_vsnprintf
#define snprintf  ulib_snprintf
#define vfprintf  ulib_vfprintf
#define fprintf   ulib_fprintf
#define printf    ulib_printf
#define fputs     ulib_fputs
#define malloc    ulib_malloc
#define free      ulib_free
#define realloc   ulib_realloc
#define calloc    ulib_calloc
#define strerror  ulib_strerror
#define getopt    ulib_getopt
#define optarg    ulib_optarg
#define optind    ulib_optind
#define opterr    ulib_opterr
#define optopt    ulib_optopt
#define gets      ulib_gets
#define stat      ulib_stat
// the system calls the library uses: the test provides stubs
#define write     ulib_write
#define read      ulib_read
#define open      ulib_open
#define close     ulib_close
#define fstat     ulib_fstat
#define sbrk      ulib_sbrk
#define exit      ulib_exit

#endif
