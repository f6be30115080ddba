// fish_serve.c: the server side of FiSh, between peers and fishd.
//
// Requests from peers go up to the daemon stream (/dev/fish/daemon) as
// struct fish_up records (fish_to_daemon); fishd, which owns the shared
// directory, writes struct fish_down records back: answers that are
// encoded (fish_wire.c) and sent, or acknowledgements (device files made).
#include "fish_impl.h"

// Send a record up to fishd. Returns -1 when sent, or a drop reason.
// force: past flow control, for notices that must not be lost (GONE:
// at most one per node fishd was told of, so they are bounded).
int
fish_to_daemon(struct fish_up *u, int force)
{
  mblk_t *mp = allocb(sizeof(*u), BPRI_MED);
  if(mp == 0)
    return D_NOMEM;
  memmove(mp->b_wptr, u, sizeof(*u));
  mp->b_wptr += sizeof(*u);
  acquire(&fish_lock);
  queue_t *q = fish_daemon ? fish_daemon->rq : 0;
  int claimed = q && strclaim(q);
  release(&fish_lock);
  if(!claimed){
    freemsg(mp);
    return D_NODAEMON;
  }
  int why = -1;
  if(force || canputnext(q))
    putnext(q, mp);
  else {
    freemsg(mp);
    why = D_DAEMONFULL;
  }
  strrelease(q);
  return why;
}

// A record from fishd: an answer to encode and send, or an acknowledgement.
static void
fish_daemon_down(struct fish_down *d, const uint8 *data, int len)
{
  uint8 body[FISH_PAYLOADMAX];
  d->name[FISH_NAMEMAX] = 0;
  switch(d->kind){
  case FISH_DN_ANNOUNCE:
    fish_send_classic(d->mac, FISH_ANNOUNCE, d->name, 0, 0);
    return;
  case FISH_DN_DIRLIST: {
    // NUL-separated names -> nine 7-byte fields
    uint8 fields[FISH_DIRENTRIES * FISH_FNAMLEN];
    memset(fields, 0, sizeof(fields));
    int k = 0, i = 0;
    while(i < len && k < FISH_DIRENTRIES){
      int j = i;
      while(j < len && data[j])
        j++;
      if(j - i > 0 && j - i <= FISH_FNAMLEN)
        memmove(fields + k++ * FISH_FNAMLEN, data + i, j - i);
      i = j + 1;
    }
    fish_send_classic(d->mac, FISH_DIRLIST, 0, fields, sizeof(fields));
    return;
  }
  case FISH_DN_HAVEFILE:
    fish_send_classic(d->mac, FISH_HAVEFILE, d->name, data, len);
    return;
  case FISH_DN_NOFILE:
    fish_send_classic(d->mac, FISH_NOFILE, d->name, 0, 0);
    return;
  case FISH_DN_XDIRLIST: {
    if(len > FISH_PAYLOADMAX - FISH_XMIN - 10){
      fish_count_drop(D_BADANSWER);
      return;
    }
    // count whole entries; a malformed blob is fishd's bug: refuse it
    int off = 0, count = 0;
    char nm[FISH_NAMEMAX + 1];
    uint32 sz;
    while(off < len){
      if(fish_xdir_next(data, len, &off, nm, &sz) < 0){
        fish_count_drop(D_BADANSWER);
        return;
      }
      count++;
    }
    fish_put32(body, d->index);
    fish_put32(body + 4, d->total);
    fish_put16(body + 8, count);
    memmove(body + 10, data, len);
    fish_send_ext(d->mac, FISH_XDIRLIST, d->reqid, body, 10 + len);
    return;
  }
  case FISH_DN_XINFO:
    body[0] = d->status;
    fish_put64(body + 1, d->size);
    fish_put32(body + 9, d->crc);
    fish_send_ext(d->mac, FISH_XINFO, d->reqid, body, 13 + fish_xname_put(body + 13, d->name));
    return;
  case FISH_DN_XDATA:
    if(len > FISH_XCHUNK){
      fish_count_drop(D_BADANSWER);
      return;
    }
    fish_put64(body, d->offset);
    fish_put16(body + 8, len);
    memmove(body + 10, data, len);
    fish_send_ext(d->mac, FISH_XDATA, d->reqid, body, 10 + len);
    return;
  case FISH_DN_MADE:
  case FISH_DN_FILESMADE: {
    struct fish_up u;
    int tell = 0;
    acquire(&fish_lock);
    if(d->index < FISH_SCHOOL){
      struct fish_node *nd = &fish_school[d->index];
      if(d->kind == FISH_DN_FILESMADE)
        nd->filesmade = d->gen;
      else if(nd->used && nd->gen == d->gen)
        nd->made = d->gen;
      else if(d->gen != 0 && nd->left == d->gen){
        // fishd made files for a node that left before they were
        // there (its GONE overtook the NODE): they must go again, once
        nd->left = 0;
        memset(&u, 0, sizeof(u));
        u.kind = FISH_UP_GONE;
        u.index = d->index;
        u.gen = d->gen;
        tell = 1;
      }
    }
    release(&fish_lock);
    if(tell)
      fish_gone_notice(&u);
    return;
  }
  default:
    fish_count_drop(D_BADANSWER);
  }
}

// A write on the daemon stream. Returns 0 if the link is full (wait).
int
fish_daemon_write(queue_t *q, mblk_t *mp)
{
  struct fish_down d;
  int n = msgdsize(mp);
  if(n < (int)sizeof(d) || n > (int)sizeof(d) + FISH_PAYLOADMAX || !pullupmsg(mp, -1)){
    qdrop(q, mp, "fish: malformed daemon record");
    fish_count_drop(D_BADANSWER);
    return 1;
  }
  memmove(&d, mp->b_rptr, sizeof(d));
  if((int)d.len != n - (int)sizeof(d)){
    qdrop(q, mp, "fish: daemon record length");
    fish_count_drop(D_BADANSWER);
    return 1;
  }
  if(d.kind == FISH_DN_XDATA){
    // Claimed under fish_lock, as fish_wire_send does: the link's
    // stream cannot be unlinked and freed while we look at it.
    acquire(&fish_lock);
    queue_t *l = fish_lowq;
    int claimed = l && strclaim(l);
    release(&fish_lock);
    int full = claimed && !canputnext(l);
    if(claimed)
      strrelease(l);
    if(full)
      return 0;
  }
  fish_daemon_down(&d, mp->b_rptr + sizeof(d), d.len);
  freemsg(mp);
  return 1;
}
