// types.h: fixed-width integer names used everywhere in the kernel and by
// user programs. The kernel is freestanding, so there is no <stdint.h>.
// (The page-table types are the kernel's own: kernel/vmtypes.h.)
#ifndef TYPES_H
#define TYPES_H

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;
typedef signed char int8;
typedef short int16;
typedef int int32;
typedef long int64;

#ifndef NULL
#define NULL ((void *)0)
#endif

#endif
