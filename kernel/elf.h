// elf.h: the ELF64 structures exec() reads from an executable file
// (System V ABI, ELF-64 object file format).
#ifndef ELF_H
#define ELF_H
#include "types.h"

#define ELF_MAGIC    0x464C457FU   // "\x7fELF" read as a little-endian word

// e_ident[] bytes after the magic
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1            // little-endian
#define EV_CURRENT    1

#define ET_EXEC       2
#define EM_RISCV      243

struct elfhdr {
  uint32 magic;       // ELF_MAGIC
  uchar  ident[12];   // the rest of e_ident
  uint16 type;
  uint16 machine;
  uint32 version;
  uint64 entry;
  uint64 phoff;       // program headers: file offset
  uint64 shoff;
  uint32 flags;
  uint16 ehsize;
  uint16 phentsize;   // size of one program header
  uint16 phnum;       // how many
  uint16 shentsize;
  uint16 shnum;
  uint16 shstrndx;
};

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;         // where the segment's bytes start in the file
  uint64 vaddr;       // where they go in memory
  uint64 paddr;
  uint64 filesz;      // bytes taken from the file
  uint64 memsz;       // bytes in memory (the rest is zero: .bss)
  uint64 align;
};

#define PT_LOAD   1

#define PF_X      1
#define PF_W      2
#define PF_R      4

#endif
