// fish_client.c: FiSh's client, the request state machine of a stream.
//
// A stream that pings, lists a node or reads a file sends the requests,
// matches the answers that fish_input.c parks on its read queue, and in
// the extended mode runs the windowed transfer with retransmission,
// giving the reader the file in order, checked chunk by chunk (CRC-32)
// and as a whole, then end of file; a failure ends it with an errno
// (M_ERROR). It runs in the stream's own read service procedure; the
// ticker only wakes it.
#include "fish_impl.h"

int fish_ticking;

static void fish_tick(void *unused);

// ---------------------------------------------------------------- the ticker

// Make sure the ticker runs. fish_lock not held.
static void
fish_tick_start(void)
{
  acquire(&fish_lock);
  int start = !fish_ticking;
  fish_ticking = 1;
  release(&fish_lock);
  if(start && timeout(fish_tick, 0, FTICK_MS) == 0){
    acquire(&fish_lock);
    fish_ticking = 0;
    release(&fish_lock);
  }
}

// Every FTICK_MS while some request is active: run the state machines
// whose time has come.
static void
fish_tick(void *unused)
{
  queue_t *due[64];
  int n = 0, active = 0;
  acquire(&fish_lock);
  uint64 now = uptime_ms();
  for(struct fstream *s = fish_streams; s; s = s->next){
    if(s->wake == 0)
      continue;
    active = 1;
    if(now >= s->wake && n < (int)NELEM(due) && strclaim(s->rq))
      due[n++] = s->rq;
  }
  if(!active)
    fish_ticking = 0;
  release(&fish_lock);
  for(int i = 0; i < n; i++){
    qenable(due[i]);
    strrelease(due[i]);
  }
  if(active && timeout(fish_tick, 0, FTICK_MS) == 0){
    acquire(&fish_lock);
    fish_ticking = 0;
    release(&fish_lock);
  }
}

// Run s's state machine soon (from frame input: another stream's
// context). fish_lock held.
void
fish_poke(struct fstream *s)
{
  if(strclaim(s->rq)){
    qenable(s->rq);
    strrelease(s->rq);
  }
}

// ---------------------------------------------------------------- client side

// Queue text for the reader, gathered into blocks of OUTBLOCK bytes (a
// listing is a line per name: a block per line would cost a message per
// name while the reader is slow). Called from the stream's own service
// procedure, fish_lock not held. 0, or -1 if memory ran out.
int
fish_out_text(struct fstream *s, const char *text, int len)
{
  while(len > 0){
    mblk_t *mp = s->outlast;
    if(mp == 0 || MBLKTAIL(mp) == 0){
      mp = allocb(OUTBLOCK, BPRI_MED);
      if(mp == 0){
        fish_count_drop(D_NOMEM);
        return -1;
      }
      mp->b_next = 0;
      if(s->outlast)
        s->outlast->b_next = mp;
      else
        s->outq = mp;
      s->outlast = mp;
    }
    int n = len < MBLKTAIL(mp) ? len : MBLKTAIL(mp);
    memmove(mp->b_wptr, text, n);
    mp->b_wptr += n;
    text += n;
    len -= n;
  }
  return 0;
}

// Hand queued text up while the reader has room. all: the last block too,
// even if it could take more text (a listing under way keeps it to fill).
// 1 when nothing that should go is left; 0 when the reader is behind.
int
fish_out_flush(struct fstream *s, int all)
{
  while(s->outq){
    if(!all && s->outq == s->outlast && MBLKTAIL(s->outq) > 0)
      return 1;
    if(!canputnext(s->rq))
      return 0;
    mblk_t *mp = s->outq;
    s->outq = mp->b_next;
    if(s->outq == 0)
      s->outlast = 0;
    mp->b_next = 0;
    putnext(s->rq, mp);
  }
  return 1;
}

// The request is over: end of file (err 0) or an error for the reader.
static void
fish_finish(struct fstream *s, int err)
{
  acquire(&fish_lock);
  s->state = S_DONE;
  s->wake = 0;
  s->err = err;
  if(s->op == OP_GET || s->op == OP_LIST){
    if(err)
      fish_st.failures++;
    else
      fish_st.transfers++;
  }
  release(&fish_lock);
  for(int i = 0; i < FISH_XWINDOW; i++)
    if(s->win[i]){
      freemsg(s->win[i]);
      s->win[i] = 0;
    }
}

// After S_DONE: deliver what is left, then hang up (or the error).
void
fish_done_flush(struct fstream *s)
{
  if(s->hungup)
    return;
  if(s->err){
    mblk_t *mp;
    while((mp = s->outq) != 0){
      s->outq = mp->b_next;
      freemsg(mp);
    }
    s->outlast = 0;
    uint8 e[2] = { s->err, s->err };
    mblk_t *em = mkctlmsg(M_ERROR, e, 2);
    if(em == 0)
      return;
    s->hungup = 1;
    putnext(s->rq, em);
    return;
  }
  if(!fish_out_flush(s, 1))
    return;
  if(s->writable && s->kind == K_CTL)
    return;                  // a read-write ctl stays open for commands
  mblk_t *hp = mkctlmsg(M_HANGUP, 0, 0);
  if(hp == 0)
    return;
  s->hungup = 1;
  putnext(s->rq, hp);
}

// Has the node this stream talks to left its slot? fish_lock held.
int
fish_stale(struct fstream *s)
{
  return s->gen != 0 && (!fish_school[s->slot].used || fish_school[s->slot].gen != s->gen);
}

// Find the target of a list/get request. 0 found; 1 wait for a ping; or
// an errno. A per-node file names its node from the open on (s->gen);
// /dev/fish/req looks it up by name (or address). fish_lock held.
static int
fish_resolve(struct fstream *s)
{
  int i = s->gen ? s->slot : fish_school_byname(s->node);
  if(s->gen && fish_stale(s))
    return ENXIO;
  if(i >= 0){
    s->slot = i;
    s->gen = fish_school[i].gen;
    memmove(s->mac, fish_school[i].mac, ETH_ALEN);
    s->ext = fish_school[i].ext && !fish_classic_only;
    return 0;
  }
  return s->resolved ? EHOSTUNREACH : 1;
}

static void
fish_send_request(struct fstream *s)
{
  uint8 body[64];
  int n = 0;
  s->sent = uptime_ms();
  if(s->op == OP_LIST){
    if(!s->ext){
      fish_send_classic(s->mac, FISH_DIRASK, 0, 0, 0);
      return;
    }
    fish_put32(body, s->dirnext);
    fish_send_ext(s->mac, FISH_XDIRASK, s->reqid, body, 4);
    return;
  }
  // OP_GET, the file's information
  if(!s->ext){
    fish_send_classic(s->mac, FISH_GETFILE, s->file, 0, 0);
    return;
  }
  n = fish_xname_put(body, s->file);
  fish_send_ext(s->mac, FISH_XGETFILE, s->reqid, body, n);
}

// Ask for the chunks of the window that are due: never asked, asked too
// long ago, or overtaken by DUPTHRESH later ones.
static void
fish_ask_chunks(struct fstream *s, uint64 now)
{
  uint64 bitmap = 0;
  int fresh = 0, again = 0;
  acquire(&fish_lock);
  int rto = fish_rto_ms;
  uint64 end = s->base + s->window;
  if(end > s->nchunks)
    end = s->nchunks;
  for(uint64 i = s->base; i < s->nextreq && i < end; i++){
    int k = i % FISH_XWINDOW;
    if(s->win[k] == 0 && (fish_since(now, s->reqat[k]) >= (uint64)rto || s->later[k] >= DUPTHRESH)){
      bitmap |= 1ull << (i - s->base);
      s->reqat[k] = now;
      s->later[k] = 0;
      again++;
    }
  }
  // New chunks go out in batches, not one per chunk delivered.
  uint64 room = end > s->nextreq ? end - s->nextreq : 0;
  if(room > 0 && (room >= (uint64)(s->window + 3) / 4 || end == s->nchunks || again)){
    for(; s->nextreq < end; s->nextreq++){
      int k = s->nextreq % FISH_XWINDOW;
      bitmap |= 1ull << (s->nextreq - s->base);
      s->reqat[k] = now;
      s->later[k] = 0;
      fresh++;
    }
  }
  fish_st.retransmits += again;
  s->retrans += again;
  release(&fish_lock);
  if(bitmap == 0)
    return;
  uint8 body[64];
  fish_put64(body, s->base);
  fish_put64(body + 8, bitmap);
  fish_put16(body + 16, FISH_XCHUNK);
  int n = 18 + fish_xname_put(body + 18, s->file);
  fish_send_ext(s->mac, FISH_XREAD, s->reqid, body, n);
}

// The names of a listing: lines for the reader, and the first
// FISH_NODEFILES remembered for the node's device files.
// 0, or -1 if memory ran out.
static int
fish_list_name(struct fstream *s, const char *name, long size)
{
  char line[FISH_NAMEMAX + 24];
  int n = size >= 0 ? snprintf(line, sizeof(line), "%s %ld\n", name, size)
                    : snprintf(line, sizeof(line), "%s\n", name);
  if(fish_out_text(s, line, n) < 0)
    return -1;
  acquire(&fish_lock);
  struct fish_node *nd = &fish_school[s->slot];
  if(!fish_stale(s) && s->nnames < FISH_NODEFILES){
    if(nd->files == 0)
      nd->files = kmalloc(FISH_NODEFILES * (FISH_NAMEMAX + 1));
    if(nd->files){
      safestrcpy(nd->files[s->nnames], name, FISH_NAMEMAX + 1);
      nd->nfiles = s->nnames + 1;
    }
  }
  s->nnames++;
  release(&fish_lock);
  return 0;
}

// A listing is complete: tell fishd the names so it makes their device
// files, and wait (a little) for it to say it has.
static void
fish_list_done(struct fstream *s)
{
  struct fish_up u;
  acquire(&fish_lock);
  struct fish_node *nd = &fish_school[s->slot];
  if(fish_stale(s)){
    release(&fish_lock);
    fish_finish(s, ENXIO);
    return;
  }
  if(fish_daemon == 0 || nd->made != s->gen){
    // fishd has no directory for this node (a ping never listed it):
    // no files of its listing either
    release(&fish_lock);
    fish_finish(s, 0);
    return;
  }
  if(s->nnames == 0)
    nd->nfiles = 0;
  nd->filesgen++;
  s->madegen = nd->filesgen;
  int count = nd->nfiles;
  release(&fish_lock);
  for(int i = 0; i < count; i++){
    memset(&u, 0, sizeof(u));
    u.kind = FISH_UP_FILE;
    u.index = s->slot;
    u.nodegen = s->gen;
    u.count = i;
    memmove(u.mac, s->mac, ETH_ALEN);
    acquire(&fish_lock);
    int gone = fish_stale(s);
    if(!gone)
      safestrcpy(u.name, nd->files ? nd->files[i] : "", sizeof(u.name));
    release(&fish_lock);
    if(gone){
      fish_finish(s, ENXIO);      // the names are another node's now
      return;
    }
    fish_to_daemon(&u, 0);
  }
  memset(&u, 0, sizeof(u));
  u.kind = FISH_UP_FILESDONE;
  u.index = s->slot;
  u.count = count;
  u.gen = s->madegen;
  u.nodegen = s->gen;
  memmove(u.mac, s->mac, ETH_ALEN);
  safestrcpy(u.name, s->node, sizeof(u.name));
  if(fish_to_daemon(&u, 0) >= 0){
    fish_finish(s, 0);
    return;
  }
  acquire(&fish_lock);
  s->state = S_MADE;
  s->madeuntil = uptime_ms() + MADEWAIT_MS;
  s->wake = uptime_ms() + FTICK_MS;
  release(&fish_lock);
}

// An answer parked for the state machine (M_CTL copy of the payload).
void
fish_client_handle(struct fstream *s, mblk_t *mp)
{
  struct fish_msg m;
  // A parked answer is for the phase it arrived in: a late duplicate (the
  // second XINFO of a repeated XGETFILE) must not restart a transfer.
  if(fish_decode(mp->b_rptr, MBLKL(mp), &m) < 0 ||
     s->state != (m.op == FISH_DIRLIST || m.op == FISH_XDIRLIST ? S_DIR : S_INFO)){
    freemsg(mp);
    return;
  }
  acquire(&fish_lock);
  int gone = fish_stale(s);
  release(&fish_lock);
  if(gone){
    freemsg(mp);
    fish_finish(s, ENXIO);
    return;
  }
  uint64 now = uptime_ms();
  const uint8 *p = mp->b_rptr;
  switch(m.op){
  case FISH_DIRLIST:
    for(int i = 0; i < FISH_DIRENTRIES; i++){
      char name[FISH_FNAMLEN + 1];
      fish_fnam_get(p + m.dataoff + i * FISH_FNAMLEN, name);
      if(name[0] && fish_list_name(s, name, -1) < 0){
        fish_finish(s, ENOMEM);
        break;
      }
    }
    if(s->state != S_DONE)
      fish_list_done(s);
    break;
  case FISH_XDIRLIST: {
    if(m.start != s->dirnext || s->dirwait)
      break;                 // a page we have, or one we did not ask for yet
    if(m.total > FISH_LISTMAX){
      fish_finish(s, E2BIG);      // no end a reader could wait for
      break;
    }
    int off = 0;
    char name[FISH_NAMEMAX + 1];
    uint32 size;
    for(uint32 i = 0; i < m.count; i++)
      if(fish_xdir_next(p + m.dataoff, m.datalen, &off, name, &size) == 0 &&
         fish_list_name(s, name, size) < 0){
        fish_finish(s, ENOMEM);
        break;
      }
    if(s->state == S_DONE)
      break;
    s->dirnext += m.count;
    s->dirtotal = m.total;
    s->lastprog = now;
    if(s->dirnext >= s->dirtotal)
      fish_list_done(s);
    else if(m.count == 0)
      fish_finish(s, EPROTO);     // a server that makes no progress
    else if(fish_out_flush(s, 0))
      fish_send_request(s);
    else
      s->dirwait = 1;        // the next page when the reader has taken this one
    break;
  }
  case FISH_HAVEFILE: {
    // One block; the classic protocol has no length: what the block holds
    // up to its trailing NUL bytes is the file.
    int len = FISH_BLOCK;
    while(len > 0 && p[m.dataoff + len - 1] == 0)
      len--;
    fish_finish(s, fish_out_text(s, (const char *)p + m.dataoff, len) < 0 ? ENOMEM : 0);
    break;
  }
  case FISH_NOFILE:
    fish_finish(s, ENOENT);
    break;
  case FISH_XINFO:
    if(m.status != FISH_XOK){
      fish_finish(s, ENOENT);
      break;
    }
    if(m.size > FISH_SIZEMAX){
      fish_finish(s, EFBIG);      // and its chunk count cannot wrap
      break;
    }
    acquire(&fish_lock);
    s->size = m.size;
    s->fcrc = m.crc;
    s->rcrc = 0;
    s->nchunks = (m.size + FISH_XCHUNK - 1) / FISH_XCHUNK;
    s->base = s->nextreq = 0;
    s->window = fish_window_set;
    s->state = S_DATA;
    s->lastprog = now;
    s->wake = now + FTICK_MS;
    release(&fish_lock);
    break;
  }
  freemsg(mp);
}

// Deliver the chunks that are next in order; check the whole file at the end.
static void
fish_data_deliver(struct fstream *s)
{
  for(;;){
    acquire(&fish_lock);
    if(s->base >= s->nchunks){
      release(&fish_lock);
      break;
    }
    int k = s->base % FISH_XWINDOW;
    mblk_t *d = s->win[k];
    if(d == 0 || !canputnext(s->rq)){
      release(&fish_lock);
      return;
    }
    s->win[k] = 0;
    s->reqat[k] = 0;
    s->later[k] = 0;
    s->base++;
    s->lastprog = uptime_ms();
    release(&fish_lock);
    s->rcrc = fish_crc32(s->rcrc, d->b_rptr, MBLKL(d));
    putnext(s->rq, d);
  }
  fish_finish(s, s->rcrc == s->fcrc ? 0 : EIO);
}

// Start a list or get: find the node (pinging once if it is unknown),
// then send the first request.
static void
fish_start_request(struct fstream *s, uint64 now)
{
  acquire(&fish_lock);
  int pw = fish_pingwait_ms;
  int r = fish_resolve(s);
  if(r == 1){
    s->state = S_RESOLVE;
    s->resolved = 1;
    s->wake = now + pw;
    release(&fish_lock);
    fish_tick_start();
    fish_send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    return;
  }
  if(r == 0 && s->op == OP_GET && !s->ext && strlen(s->file) > FISH_FNAMLEN)
    r = ENAMETOOLONG;        // an original node cannot name it
  if(r){
    release(&fish_lock);
    fish_finish(s, r);
    return;
  }
  s->reqid = fish_nextreqid++;
  s->state = s->op == OP_LIST ? S_DIR : S_INFO;
  s->t0 = s->lastprog = now;
  s->wake = now + FTICK_MS;
  s->dirnext = 0;
  release(&fish_lock);
  fish_tick_start();
  fish_send_request(s);
}

// The ping's wait is over: everyone who answered since it went out, by
// name; then wait (a little) for fishd's device files of those nodes.
static void
fish_ping_done(struct fstream *s, uint64 now)
{
  int order[FISH_SCHOOL], n = 0;
  char line[64];
  acquire(&fish_lock);
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(fish_school[i].used && fish_school[i].seen >= s->t0)
      order[n++] = i;
  for(int a = 1; a < n; a++)
    for(int b = a; b > 0 && strcmp(fish_school[order[b]].name, fish_school[order[b - 1]].name) < 0; b--){
      int t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  int tell[FISH_SCHOOL], nt = 0;
  uint32 tellgen[FISH_SCHOOL];
  for(int i = 0; i < n; i++){
    struct fish_node *nd = &fish_school[order[i]];
    if(nd->notified != nd->gen){
      nd->notified = nd->gen;
      tellgen[nt] = nd->gen;
      tell[nt++] = order[i];
    }
    int len = fish_fmt_node_line(line, sizeof(line), nd);
    release(&fish_lock);
    fish_out_text(s, line, len);
    acquire(&fish_lock);
  }
  s->state = S_MADE;
  s->madeuntil = now + MADEWAIT_MS;
  s->wake = now + FTICK_MS;
  release(&fish_lock);
  for(int i = 0; i < nt; i++)
    fish_notify_node(tell[i], tellgen[i]);
}

// S_MADE: are the device files fishd makes for this answer there yet?
static void
fish_made_check(struct fstream *s, uint64 now)
{
  int ready = 1;
  acquire(&fish_lock);
  if(fish_daemon){
    if(s->op == OP_PING){
      for(int i = 0; i < FISH_SCHOOL; i++)
        if(fish_school[i].used && fish_school[i].seen >= s->t0 && fish_school[i].made != fish_school[i].gen)
          ready = 0;
    } else if(fish_school[s->slot].used && fish_school[s->slot].filesmade != s->madegen)
      ready = 0;
  }
  if(!ready && now < s->madeuntil)
    s->wake = now + FTICK_MS;
  release(&fish_lock);
  if(ready || now >= s->madeuntil)
    fish_finish(s, 0);
}

// The state machine of a client stream: runs in its read service procedure.
void
fish_client_run(struct fstream *s)
{
  uint64 now = uptime_ms();
  acquire(&fish_lock);
  int state = s->state;
  int give = fish_giveup_ms, rrto = fish_reqrto_ms, pw = fish_pingwait_ms;
  int linked = fish_lowq != 0 && fish_haveaddr;
  uint64 wake = s->wake;
  int gone = fish_stale(s);
  release(&fish_lock);
  if(gone){
    fish_finish(s, ENXIO);        // its node left the school: never the next one
    return;
  }

  switch(state){
  case S_START:
    if(s->op == OP_TEXT){
      if(s->kind == K_SCHOOL)
        fish_school_text(s);
      else {
        char *buf = kmalloc(2048);
        if(buf){
          fish_out_text(s, buf, fish_ctl_text(buf, 2048));
          kmfree(buf);
        }
      }
      fish_finish(s, 0);
    } else if(!linked){
      fish_finish(s, ENETDOWN);
    } else if(s->op == OP_PING){
      acquire(&fish_lock);
      s->state = S_PING;
      s->t0 = now;
      s->wake = now + pw / 2;
      release(&fish_lock);
      fish_tick_start();
      fish_send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    } else {
      fish_start_request(s, now);
    }
    break;

  case S_RESOLVE:
    if(now >= wake)
      fish_start_request(s, now);
    break;

  case S_PING:
    // A second PING halfway through the wait, for a lossy link.
    if(!s->resolved && now >= s->t0 + pw / 2){
      acquire(&fish_lock);
      s->resolved = 1;
      s->wake = s->t0 + pw;
      release(&fish_lock);
      fish_send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    } else if(now >= wake && s->resolved){
      fish_ping_done(s, now);
      fish_made_check(s, now);
    }
    break;

  case S_MADE:
    fish_made_check(s, now);
    break;

  case S_DIR:
  case S_INFO:
    if(s->dirwait){
      // a listing waits for the reader, not the network: no timeout
      s->lastprog = now;
      if(fish_out_flush(s, 0)){
        s->dirwait = 0;
        fish_send_request(s);
      }
      acquire(&fish_lock);
      s->wake = now + FTICK_MS * 5;
      release(&fish_lock);
      break;
    }
    if(fish_since(now, s->lastprog) >= (uint64)give + (state == S_INFO ? 2 * rrto : 0)){
      fish_finish(s, ETIMEDOUT);
      break;
    }
    if(fish_since(now, s->sent) >= (uint64)rrto){
      acquire(&fish_lock);
      fish_st.retransmits++;
      release(&fish_lock);
      fish_send_request(s);
    }
    acquire(&fish_lock);
    s->wake = now + FTICK_MS * 5;
    release(&fish_lock);
    break;

  case S_DATA: {
    fish_data_deliver(s);
    if(s->state != S_DATA)
      break;
    acquire(&fish_lock);
    int outstanding = 0;
    for(uint64 i = s->base; i < s->nextreq; i++)
      if(s->win[i % FISH_XWINDOW] == 0)
        outstanding = 1;
    int late = outstanding && fish_since(now, s->lastprog) >= (uint64)give;
    if(!outstanding)
      s->lastprog = now;     // waiting for the reader, not the network
    s->wake = now + FTICK_MS;
    release(&fish_lock);
    if(late){
      fish_finish(s, ETIMEDOUT);
      break;
    }
    fish_ask_chunks(s, now);
    break;
  }
  }
}

