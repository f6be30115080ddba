// registry.c: the table of modules and drivers, and streams_init. Each
// file in modules/ registers its streamtab with STREAMS_MODULE(), which
// drops a pointer into the "streamtab" linker section; here we walk that
// section (from __start_streamtab to __stop_streamtab, defined by
// kernel.ld – and by GNU ld itself for the host tests). No list of
// modules exists anywhere else.
//
// At boot every driver gets a device major (devsw_register) and its device
// files (devnode_add, listed in /dev/devices for init to create); all of
// them share the stream head's devsw entries (head.c).
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

extern const struct streamtab *const __start_streamtab[];
extern const struct streamtab *const __stop_streamtab[];

static const struct streamtab *bymajor[NDEV];
static int keptmajor = -1;

void mux_init(void);

int
st_ntabs(void)
{
  return __stop_streamtab - __start_streamtab;
}

const struct streamtab *
st_tab(int i)
{
  return __start_streamtab[i];
}

const char *
st_tabname(const struct streamtab *t)
{
  return t->st_rdinit->qi_minfo->mi_idname;
}

// A usable table entry? A broken one is reported once at boot and then
// ignored, rather than crashing the first I_PUSH.
static int
valid(const struct streamtab *t)
{
  if(t == 0 || t->st_rdinit == 0 || t->st_wrinit == 0)
    return 0;
  if(t->st_rdinit->qi_putp == 0 || t->st_wrinit->qi_putp == 0)
    return 0;
  if(t->st_rdinit->qi_minfo == 0 || t->st_wrinit->qi_minfo == 0)
    return 0;
  const char *name = st_tabname(t);
  if(name == 0 || name[0] == 0 || strlen(name) > FMNAMESZ)
    return 0;
  if((t->st_muxrinit == 0) != (t->st_muxwinit == 0))
    return 0;
  if(t->st_muxrinit && (t->st_muxrinit->qi_putp == 0 || t->st_muxwinit->qi_putp == 0 ||
                        t->st_muxrinit->qi_minfo == 0 || t->st_muxwinit->qi_minfo == 0))
    return 0;
  return (t->st_flags == STR_MODULE) || (t->st_flags == STR_DRIVER);
}

const struct streamtab *
st_findmod(const char *name)
{
  for(int i = 0; i < st_ntabs(); i++){
    const struct streamtab *t = st_tab(i);
    if(valid(t) && t->st_flags == STR_MODULE && strcmp(st_tabname(t), name) == 0)
      return t;
  }
  return 0;
}

const struct streamtab *
st_tab_bymajor(int major)
{
  if(major < 0 || major >= NDEV)
    return 0;
  return bymajor[major];
}

int
st_is_stream_major(int major)
{
  return st_tab_bymajor(major) != 0 || (major >= 0 && major == keptmajor);
}

int
st_kept_major(void)
{
  return keptmajor;
}

static void
register_driver(const struct streamtab *t)
{
  const char *name = st_tabname(t);
  int major = devsw_register(name, &st_devsw);
  if(major < 0){
    printf("streams: no device major for %s\n", name);
    return;
  }
  bymajor[major] = t;
  for(int i = 0; t->st_devices && t->st_devices[i]; i++)
    if(devnode_add(t->st_devices[i], major, i) < 0)
      printf("streams: cannot add /dev/%s\n", t->st_devices[i]);
  if(t->st_init)
    t->st_init(major);
}

void
streams_init(void)
{
  initlock(&st_list_lock, "streams");
  mux_init();
  sched_init();
  int n = 0;
  for(int i = 0; i < st_ntabs(); i++){
    const struct streamtab *t = st_tab(i);
    if(!valid(t)){
      printf("streams: ignoring a malformed streamtab entry (#%d)\n", i);
      continue;
    }
    int dup = 0;
    for(int j = 0; j < i; j++)
      if(valid(st_tab(j)) && strcmp(st_tabname(st_tab(j)), st_tabname(t)) == 0)
        dup = 1;
    if(dup){
      printf("streams: ignoring a second module named %s\n", st_tabname(t));
      continue;
    }
    if(t->st_flags == STR_DRIVER)
      register_driver(t);
    else if(t->st_init)
      t->st_init(-1);      // a module's boot hook (e.g. its own device files)
    n++;
  }
  keptmajor = devsw_register("kept", &st_devsw);
  streams_listing_init();
  printf("streams: %d modules and drivers\n", n);
}
