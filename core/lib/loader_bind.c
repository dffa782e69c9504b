/* SPDX-License-Identifier: MIT */
/* loader_bind.c - how a module's symbols are bound: a call nothing defines is found at load, and
 * a one-shot command binds the module's tree in its own scope first when that finds the same
 * definitions. */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "loader_bind.h"

#if __ELF_NATIVE_CLASS == 64
#define RELOC_SYMBOL(info) ELF64_R_SYM(info)
#define SYMBOL_BINDING(info) ELF64_ST_BIND(info)
#else
#define RELOC_SYMBOL(info) ELF32_R_SYM(info)
#define SYMBOL_BINDING(info) ELF32_ST_BIND(info)
#endif

const char *loader_file_name(const char *path)
{
  const char *slash = strrchr(path, '/');

  return slash ? slash + 1 : path;
}

/* The dynamic section's addresses: glibc relocates them in place on most targets, not on all. */
static uintptr_t dyn_address(const struct link_map *map, ElfW(Addr) value)
{
  return value < map->l_addr ? (uintptr_t)(map->l_addr + value) : (uintptr_t)value;
}

/* The first function the object calls that nothing loaded defines, or NULL. Lazy binding leaves
 * calls unresolved until they are made, so a module missing a symbol would load and then kill
 * the agent or collectd at its first call: this finds it at load, as RTLD_NOW did, for a
 * fraction of what RTLD_NOW costs (it also binds every call of every library the module pulls
 * in: 2.2 M instructions of a postgres check's 14.6 M). */
const char *loader_unbound_call(void *handle)
{
  struct link_map *map = NULL;
  const ElfW(Dyn) * dyn;
  const ElfW(Sym) *symtab = NULL;
  const char *strtab = NULL;
  uintptr_t relocs = 0;
  size_t size = 0;
  size_t entry = 0;
  size_t off;

  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_ld)
    return NULL;
  for (dyn = map->l_ld; dyn->d_tag != DT_NULL; dyn++) {
    switch (dyn->d_tag) {
    case DT_SYMTAB:
      symtab = (const ElfW(Sym) *)dyn_address(map, dyn->d_un.d_ptr);
      break;
    case DT_STRTAB:
      strtab = (const char *)dyn_address(map, dyn->d_un.d_ptr);
      break;
    case DT_JMPREL:
      relocs = dyn_address(map, dyn->d_un.d_ptr);
      break;
    case DT_PLTRELSZ:
      size = dyn->d_un.d_val;
      break;
    case DT_PLTREL:
      entry = dyn->d_un.d_val == DT_RELA ? sizeof(ElfW(Rela)) : sizeof(ElfW(Rel));
      break;
    default:
      break;
    }
  }
  if (!symtab || !strtab || !relocs || !entry)
    return NULL;
  for (off = 0; off + entry <= size; off += entry) {
    /* r_info sits after r_offset in Rel and Rela alike. */
    const ElfW(Rel) *rel = (const ElfW(Rel) *)(relocs + off);
    const ElfW(Sym) *sym = &symtab[RELOC_SYMBOL(rel->r_info)];
    const char *name = strtab + sym->st_name;

    if (sym->st_shndx != SHN_UNDEF || SYMBOL_BINDING(sym->st_info) == STB_WEAK || !*name)
      continue;
    if (!dlsym(handle, name) && !dlsym(RTLD_DEFAULT, name))
      return name;
  }
  return NULL;
}

/* Their runtimes refuse RTLD_DEEPBIND (it would bypass their interceptors); linked statically, they
 * would not show among the mapped objects. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_RUNTIME 1
#else
#define SANITIZER_RUNTIME 0
#endif

/* Names, after the last '/', that may stand in the process before a module: they define nothing
 * the module's own scope does not also hold, or (valgrind's preloads) they redirect calls by
 * address, whatever the order of binding. The program itself (no name) defines only copies
 * (copy relocations) of libc's stdout and stderr and of libmcpwatch's option tables, which hold
 * the same values as the originals a deep-bound module reads: nothing assigns them. */
static bool name_is_own(const char *name, const char *interp, const char *library)
{
  const char *base = loader_file_name(name);
  static const char *const prefixes[] = {"libc.so.", "linux-vdso.so.", "linux-gate.so.",
                                         "vgpreload_"};
  size_t i;

  if (!*name || strcmp(name, library) == 0 || (interp && strcmp(base, interp) == 0))
    return true;
  for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
    if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
      return true;
  return false;
}

struct scope_walk {
  const char *library; /* libmcpwatch's path as the loader named it */
  const char *interp;  /* the dynamic loader's file name, from the program's PT_INTERP */
  bool own;
};

static int visit_object(struct dl_phdr_info *info, size_t size, void *data)
{
  struct scope_walk *walk = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  ElfW(Half) i;

  (void)size;
  if (!*name && !walk->interp) {
    /* The program comes first: its PT_INTERP names the dynamic loader. */
    for (i = 0; i < info->dlpi_phnum; i++)
      if (info->dlpi_phdr[i].p_type == PT_INTERP) {
        const char *path = (const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        walk->interp = loader_file_name(path);
      }
  }
  if (name_is_own(name, walk->interp, walk->library))
    return 0;
  walk->own = false;
  return 1;
}

bool loader_scope_is_own(void)
{
  struct scope_walk walk = {.library = NULL, .interp = NULL, .own = true};
  Dl_info self;

  if (SANITIZER_RUNTIME)
    return false;
  /* libmcpwatch is the object this function lives in. */
  if (!dladdr((void *)visit_object, &self) || !self.dli_fname)
    return false;
  walk.library = self.dli_fname;
  dl_iterate_phdr(visit_object, &walk);
  return walk.own && walk.interp;
}
