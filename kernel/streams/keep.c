// keep.c: kept (named, persistent) streams. Every open of a STREAMS
// device makes a new stream that goes away at its last close – fine for a
// program, useless for `push /dev/loop rot13` typed in the shell. I_KEEP
// gives a stream a name and a reference of its own, so it outlives the
// command that plumbed it; it is re-opened through the "kept" device,
// /dev/kept/NAME (major from I_KEEP's answer, minor = its slot; the push
// tool makes the file with mknod). I_UNKEEP drops that reference: the
// stream is dismantled when its last file closes.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

// Under st_list_lock.
static struct {
  char name[FMNAMESZ + 1];
  struct stdata *sd;
} kept[NKEPT];
volatile int st_nkept;

static int
goodname(const char *s)
{
  int n = 0;
  for(; s[n]; n++){
    char c = s[n];
    if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return n > 0 && n <= FMNAMESZ && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int
strkeep(struct stdata *sd, uint64 uarg)
{
  struct str_keep k;
  if(copyin_user(&k, uarg, sizeof(k)) < 0)
    return -EFAULT;
  k.k_name[FMNAMESZ] = 0;
  if(!goodname(k.k_name)){
    strreason(sd, "a kept name is 1-15 letters, digits, '_', '-' or '.'");
    return -EINVAL;
  }
  int err = 0, slot = -1;
  acquire(&st_list_lock);
  if(sd->sd_kept >= 0)
    err = -EBUSY;
  for(int i = 0; i < NKEPT && err == 0; i++){
    if(kept[i].sd && strcmp(kept[i].name, k.k_name) == 0)
      err = -EEXIST;
    else if(kept[i].sd == 0 && slot < 0)
      slot = i;
  }
  if(err == 0 && slot < 0)
    err = -ENOSPC;
  if(err == 0){
    safestrcpy(kept[slot].name, k.k_name, sizeof(kept[slot].name));
    kept[slot].sd = sd;
    sd->sd_kept = slot;
    sd->sd_refs++;
    st_nkept++;
  }
  release(&st_list_lock);
  if(err == -EBUSY)
    strreason(sd, "this stream is kept already");
  else if(err == -EEXIST)
    strreason(sd, "another stream is kept under that name");
  else if(err == -ENOSPC)
    strreason(sd, "too many kept streams");
  if(err)
    return err;
  k.k_major = st_kept_major();
  k.k_minor = KEPT_MINOR0 + slot;
  return copyout_user(uarg, &k, sizeof(k)) < 0 ? -EFAULT : 0;
}

int
strunkeep(struct stdata *sd)
{
  acquire(&st_list_lock);
  int slot = sd->sd_kept;
  if(slot >= 0){
    kept[slot].sd = 0;
    kept[slot].name[0] = 0;
    sd->sd_kept = -1;
    st_nkept--;
  }
  release(&st_list_lock);
  if(slot < 0){
    strreason(sd, "this stream is not kept");
    return -EINVAL;
  }
  strrele(sd);   // the caller's open file still holds one
  return 0;
}

struct stdata *
strkept_open(int minor)
{
  int slot = minor - KEPT_MINOR0;
  struct stdata *sd = 0;
  acquire(&st_list_lock);
  if(slot >= 0 && slot < NKEPT && kept[slot].sd){
    sd = kept[slot].sd;
    sd->sd_refs++;
  }
  release(&st_list_lock);
  return sd;
}

// Caller holds st_list_lock.
const char *
strkept_name(struct stdata *sd)
{
  return sd->sd_kept >= 0 ? kept[sd->sd_kept].name : 0;
}
