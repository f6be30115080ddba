// fish_school.c: the school, FiSh's table of the nodes heard from.
//
// Filled by ANNOUNCEs (fish_input.c), bounded (FISH_SCHOOL slots, the
// node heard from longest ago is replaced). A slot holds one node after
// another, so each new node or name in a slot gets a new generation; a
// stream that talks to a node checks it (fish_stale) and fishd is told
// of each node that comes (FISH_UP_NODE) and goes (FISH_UP_GONE).
#include "fish_impl.h"

struct fish_node fish_school[FISH_SCHOOL];

// Slot of mac, or -1. fish_lock held.
static int
fish_school_find(const uint8 *mac)
{
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(fish_school[i].used && fish_mac_eq(fish_school[i].mac, mac))
      return i;
  return -1;
}

// The most recently seen node called name (or with that address in
// aa:bb:.. form), or -1. fish_lock held.
int
fish_school_byname(const char *name)
{
  uint8 mac[ETH_ALEN];
  if(netctl_parse_mac(name, mac) == 0)
    return fish_school_find(mac);
  int best = -1;
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(fish_school[i].used && strcmp(fish_school[i].name, name) == 0 &&
       (best < 0 || fish_school[i].seen > fish_school[best].seen))
      best = i;
  return best;
}

// Tell fishd that slot holds node gen (it makes the node's device files).
void
fish_notify_node(int slot, uint32 gen)
{
  struct fish_up u;
  memset(&u, 0, sizeof(u));
  u.kind = FISH_UP_NODE;
  acquire(&fish_lock);
  struct fish_node *nd = &fish_school[slot];
  if(!nd->used || nd->gen != gen){
    release(&fish_lock);
    return;                  // it left meanwhile (and fishd heard of it)
  }
  u.ext = nd->ext;
  memmove(u.mac, nd->mac, ETH_ALEN);
  u.index = slot;
  u.gen = nd->gen;
  safestrcpy(u.name, nd->name, sizeof(u.name));
  release(&fish_lock);
  int why = fish_to_daemon(&u, 0);
  if(why >= 0 && why != D_NODAEMON)
    fish_count_drop(why);
}

// The node in slot i is leaving it (evicted, renamed or forgotten): wake
// every stream still talking to it, so that it ends with ENXIO, and, if
// fishd made device files for it, fill in *u: the notice that they must
// go. 1 if there is a notice to send (fish_gone_notice, without the lock).
// fish_lock held.
int
fish_node_leaves(int i, struct fish_up *u)
{
  struct fish_node *nd = &fish_school[i];
  for(struct fstream *s = fish_streams; s; s = s->next)
    if(s->slot == i && s->gen == nd->gen && !s->hungup)
      fish_poke(s);
  if(!nd->used || nd->notified != nd->gen)
    return 0;
  nd->left = nd->gen;
  memset(u, 0, sizeof(*u));
  u->kind = FISH_UP_GONE;
  u->index = i;
  u->gen = nd->gen;
  memmove(u->mac, nd->mac, ETH_ALEN);
  safestrcpy(u->name, nd->name, sizeof(u->name));
  return 1;
}

void
fish_gone_notice(struct fish_up *u)
{
  int why = fish_to_daemon(u, 1);
  if(why >= 0 && why != D_NODAEMON)
    fish_count_drop(why);
}

// An ANNOUNCE arrived: add or refresh the node. A full school forgets the
// node seen longest ago, so a flood of forged announcements can never
// grow it, and real nodes come back as soon as they answer a ping.
// fishd hears of a node (to make its device files) only when a ping
// lists it, so announcements nobody asked for cost it nothing.
void
fish_school_update(const uint8 *mac, const char *name, int cap)
{
  struct fish_up gone;
  int tell = 0;
  acquire(&fish_lock);
  int i = fish_school_find(mac), fresh = 0;
  if(i < 0){
    for(i = 0; i < FISH_SCHOOL && fish_school[i].used; i++)
      ;
    if(i == FISH_SCHOOL){
      i = 0;
      for(int k = 1; k < FISH_SCHOOL; k++)
        if(fish_school[k].seen < fish_school[i].seen)
          i = k;
      fish_st.evictions++;
      tell = fish_node_leaves(i, &gone);
    }
    struct fish_node *nd = &fish_school[i];
    uint32 gen = nd->gen + 1, left = nd->left;
    char (*files)[FISH_NAMEMAX + 1] = nd->files;
    memset(nd, 0, sizeof(*nd));
    nd->files = files;          // the buffer is kept for the next listing
    nd->used = 1;
    nd->gen = gen;
    nd->left = left;
    memmove(nd->mac, mac, ETH_ALEN);
    fresh = 1;
  }
  struct fish_node *nd = &fish_school[i];
  if(strcmp(nd->name, name) != 0){
    if(!fresh){
      tell = fish_node_leaves(i, &gone);   // a new name is a new node
      nd->gen++;
    }
    safestrcpy(nd->name, name, sizeof(nd->name));
    nd->nfiles = 0;
  }
  nd->ext = cap && !fish_classic_only;
  nd->seen = uptime_ms();
  if(nd->seen == 0)
    nd->seen = 1;
  release(&fish_lock);
  if(tell)
    fish_gone_notice(&gone);
}

int
fish_fmt_node_line(char *buf, int n, struct fish_node *nd)
{
  char mac[18];
  return snprintf(buf, n, "%s %s\n", nd->name, netctl_fmt_mac(mac, nd->mac));
}

// Text of the whole school (the school file): name, address, mode, age.
void
fish_school_text(struct fstream *s)
{
  char line[96], mac[18];
  acquire(&fish_lock);
  uint64 now = uptime_ms();
  for(int i = 0; i < FISH_SCHOOL; i++){
    struct fish_node *nd = &fish_school[i];
    if(!nd->used)
      continue;
    int n = snprintf(line, sizeof(line), "%s %s %s %lu\n", nd->name, netctl_fmt_mac(mac, nd->mac),
                     nd->ext ? "ext" : "classic", (ulong)fish_since(now, nd->seen));
    release(&fish_lock);
    fish_out_text(s, line, n);
    acquire(&fish_lock);
  }
  release(&fish_lock);
}
