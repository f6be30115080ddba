// fish_input.c: a received FiSh frame, decoded and dispatched.
//
// From fish_link.c (the wire, or our own frames): an ANNOUNCE updates the
// school, a request goes to fishd (fish_serve.c), an answer is parked on
// the client stream it belongs to (fish_client.c runs it later).
#include "fish_impl.h"

// A classic or extended answer for one of our streams. fish_lock held.
static void
fish_client_answer(struct fish_msg *m, mblk_t *mp, const uint8 *src)
{
  for(struct fstream *s = fish_streams; s; s = s->next){
    if(s->state < S_DIR || s->state > S_DATA || !fish_mac_eq(s->mac, src))
      continue;
    if(m->ext && m->reqid != s->reqid)
      continue;
    switch(m->op){
    case FISH_DIRLIST:
      if(s->state != S_DIR || s->ext)
        continue;
      break;
    case FISH_HAVEFILE:
    case FISH_NOFILE:
      if(s->state != S_INFO || s->ext || strncmp(s->file, m->name, FISH_FNAMLEN) != 0)
        continue;
      break;
    case FISH_XDIRLIST:
      if(s->state != S_DIR)
        continue;
      break;
    case FISH_XINFO:
      if(s->state != S_INFO)
        continue;
      break;
    case FISH_XDATA: {
      if(s->state != S_DATA)
        return;
      uint64 i = m->index;
      if(i < s->base || i >= s->base + s->window || i >= s->nchunks)
        return;              // a duplicate, or stale
      uint64 want = (i == s->nchunks - 1) ? s->size - i * FISH_XCHUNK : FISH_XCHUNK;
      if((uint64)m->datalen != want){
        fish_st.drop[D_BADANSWER]++;
        return;
      }
      int k = i % FISH_XWINDOW;
      if(s->win[k])
        return;              // duplicate
      mblk_t *d = dupmsg(mp);
      if(d == 0){
        fish_st.drop[D_NOMEM]++;
        return;
      }
      d->b_rptr += m->dataoff;
      d->b_wptr = d->b_rptr + m->datalen;
      s->win[k] = d;
      uint64 at = s->reqat[k];
      // Gaps asked for no later than this chunk have probably been lost.
      for(uint64 j = s->base; j < i; j++){
        int g = j % FISH_XWINDOW;
        if(s->win[g] == 0 && s->reqat[g] && s->reqat[g] <= at && s->later[g] < 255)
          s->later[g]++;
      }
      s->lastprog = uptime_ms();
      fish_poke(s);
      return;
    }
    default:
      continue;
    }
    // A copy waits on the stream's read queue, as M_CTL, for its state
    // machine (the data block is shared, so the copy needs a block of
    // its own to carry another type).
    mblk_t *d = copymsg(mp);
    if(d == 0){
      fish_st.drop[D_NOMEM]++;
      return;
    }
    DB_TYPE(d) = M_CTL;
    if(strclaim(s->rq)){
      if(qsize(s->rq) >= PARKMAX){
        // a peer answering faster than the stream can look: its
        // answers are not worth memory without limit
        strrelease(s->rq);
        freemsg(d);
        fish_st.drop[D_BUSY]++;
        return;
      }
      putq(s->rq, d);
      qenable(s->rq);
      strrelease(s->rq);
    } else {
      freemsg(d);
    }
    return;
  }
  fish_st.drop[D_STRAY]++;
}

// A frame's payload from src (the wire, or ourselves). Consumes mp.
void
fish_input(mblk_t *mp, const uint8 *src)
{
  int n = msgdsize(mp);
  if(n <= 0 || !pullupmsg(mp, -1)){
    fish_count_drop(D_SHORT);
    freemsg(mp);
    return;
  }
  acquire(&fish_lock);
  fish_st.in++;
  release(&fish_lock);
  if(fish_is_multicast(src)){
    fish_count_drop(D_SOURCE);
    freemsg(mp);
    return;
  }
  struct fish_msg m;
  int r = fish_decode(mp->b_rptr, n, &m);
  if(r < 0){
    fish_count_drop(WHY(r));
    freemsg(mp);
    return;
  }

  struct fish_up u;
  memset(&u, 0, sizeof(u));
  switch(m.op){
  case FISH_ANNOUNCE:
    fish_school_update(src, m.name, m.cap);
    freemsg(mp);
    return;
  case FISH_PING:      u.kind = FISH_UP_PING; break;
  case FISH_DIRASK:    u.kind = FISH_UP_DIRASK; break;
  case FISH_GETFILE:   u.kind = FISH_UP_GETFILE; break;
  case FISH_XDIRASK:   u.kind = FISH_UP_XDIRASK; u.index = m.start; break;
  case FISH_XGETFILE:  u.kind = FISH_UP_XGETFILE; break;
  case FISH_XREAD:
    u.kind = FISH_UP_XREAD;
    u.offset = m.first;
    u.bitmap = m.bitmap;
    u.chunk = m.chunk;
    break;
  default:
    // an answer: for whoever waits for it
    acquire(&fish_lock);
    fish_st.answers++;
    fish_client_answer(&m, mp, src);
    release(&fish_lock);
    freemsg(mp);
    return;
  }
  freemsg(mp);
  acquire(&fish_lock);
  fish_st.requests++;
  int classic = fish_classic_only;
  release(&fish_lock);
  if(classic && m.ext){
    fish_count_drop(D_UNKNOWN);   // an original node knows no such opcode
    return;
  }
  u.ext = m.ext;
  u.reqid = m.reqid;
  memmove(u.mac, src, ETH_ALEN);
  if(!m.badname)
    safestrcpy(u.name, m.name, sizeof(u.name));
  int why = fish_to_daemon(&u, 0);
  if(why >= 0)
    fish_count_drop(why);
}

