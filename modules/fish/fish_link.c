// fish_link.c: FiSh's lower side, the one link to an /dev/eth stream.
//
// Frames go down as ETH_UNITDATA_REQ + payload (fish_wire_send) and come up
// as ETH_UNITDATA_IND + payload (fish_lrput, to fish_input). A frame to
// ourselves or broadcast is also fed to our own input: a card does not
// hear its own frames, and so a node is in its own school.
#include "fish_impl.h"

static void fish_wire_send(const uint8 *dst, mblk_t *payload);

// ---------------------------------------------------------------- sending

// A payload of len bytes from buf as a message with room for eth's header.
static mblk_t *
fish_payload_msg(const uint8 *buf, int len)
{
  mblk_t *mp = allocb_headroom(len, ETH_HLEN);
  if(mp == 0){
    fish_count_drop(D_NOMEM);
    return 0;
  }
  memmove(mp->b_wptr, buf, len);
  mp->b_wptr += len;
  return mp;
}

// Send a payload to dst; frames to ourselves (or broadcast) also go to
// our own input. Never called with fish_lock held.
static void
fish_wire_send(const uint8 *dst, mblk_t *payload)
{
  if(payload == 0)
    return;
  acquire(&fish_lock);
  queue_t *q = fish_lowq;
  int self = fish_haveaddr && fish_mac_eq(dst, fish_myaddr);
  uint8 me[ETH_ALEN];
  memmove(me, fish_myaddr, ETH_ALEN);
  int loop = fish_haveaddr && (self || fish_mac_eq(dst, eth_broadcast));
  // The link's queue is in the eth stream: claim it while fish_lock keeps
  // the link, so an unlink cannot free it under the frame going down.
  if(q && !self && !strclaim(q))
    q = 0;
  if(q && !self)
    fish_st.out++;
  if(loop)
    fish_st.loop++;
  release(&fish_lock);

  if(loop){
    mblk_t *copy = self ? payload : copymsg(payload);
    if(self)
      payload = 0;
    if(copy)
      fish_input(copy, me);
  }
  if(payload == 0)
    return;                    // (self: q was not claimed)
  if(q == 0){
    fish_count_drop(D_NOLINK);
    freemsg(payload);
    return;
  }
  mblk_t *req = allocb(sizeof(struct eth_unitdata), BPRI_MED);
  if(req == 0){
    strrelease(q);
    fish_count_drop(D_NOMEM);
    freemsg(payload);
    return;
  }
  req->b_datap->db_type = M_PROTO;
  struct eth_unitdata *ud = (struct eth_unitdata *)req->b_wptr;
  memset(ud, 0, sizeof(*ud));
  ud->prim = ETH_UNITDATA_REQ;
  ud->type = FISH_ETHERTYPE;
  memmove(ud->dst, dst, ETH_ALEN);
  req->b_wptr += sizeof(*ud);
  linkb(req, payload);
  putnext(q, req);
  strrelease(q);
}

void
fish_send_classic(const uint8 *dst, int op, const char *name, const uint8 *data, int len)
{
  uint8 buf[FISH_HAVEFILE_LEN];
  acquire(&fish_lock);
  int cap = !fish_classic_only;
  release(&fish_lock);
  int n = fish_enc_classic(buf, op, name, data, len, cap);
  fish_wire_send(dst, fish_payload_msg(buf, n));
}

void
fish_send_ext(const uint8 *dst, int op, uint32 reqid, const uint8 *body, int bodylen)
{
  uint8 buf[FISH_PAYLOADMAX];
  int n = fish_enc_ext(buf, op, reqid, body, bodylen);
  if(n < 0){
    fish_count_drop(D_BADANSWER);
    return;
  }
  fish_wire_send(dst, fish_payload_msg(buf, n));
}
// ---------------------------------------------------------------- lower side

int
fish_lrput(queue_t *q, mblk_t *mp)
{
  int t = DB_TYPE(mp);
  if(t == M_IOCACK || t == M_IOCNAK){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(t == M_IOCACK && ioc->ioc_cmd == ETH_ADDR && mp->b_cont &&
       msgdsize(mp->b_cont) >= ETH_ALEN && pullupmsg(mp->b_cont, -1)){
      acquire(&fish_lock);
      memmove(fish_myaddr, mp->b_cont->b_rptr, ETH_ALEN);
      fish_haveaddr = 1;
      release(&fish_lock);
    }
    freemsg(mp);
    return 0;
  }
  if(t == M_FLUSH){
    freemsg(mp);
    return 0;
  }
  struct eth_unitdata ud;
  if(t != M_PROTO || MBLKL(mp) < (int)sizeof(ud)){
    qdrop(q, mp, "fish: unexpected message from the link");
    return 0;
  }
  memmove(&ud, mp->b_rptr, sizeof(ud));
  mblk_t *payload = unlinkb(mp);
  freeb(mp);
  if(ud.prim != ETH_UNITDATA_IND || payload == 0){
    if(payload)
      freemsg(payload);
    fish_count_drop(D_SHORT);
    return 0;
  }
  fish_input(payload, ud.src);
  return 0;
}

// The link drained: the daemon may send again.
int
fish_lwsrv(queue_t *q)
{
  acquire(&fish_lock);
  queue_t *w = fish_daemon ? WR(fish_daemon->rq) : 0;
  int claimed = w && strclaim(w);
  release(&fish_lock);
  if(claimed){
    if(w->q_first)
      qenable(w);
    strrelease(w);
  }
  return 0;
}
