// rot13.c: the "rot13" STREAMS module. It rotates letters by 13 places on
// the WRITE side only; the read side passes data through unchanged. So on
// a loop stream, writing "hello" reads back "uryyb" (rotated once, on the
// way down) – and pushing rot13 twice gives the original text back.
//
// It shows the one rule about shared data: a module may change bytes in
// place only in a data block no other message refers to (mwritable);
// otherwise it must copy first (copymsg).
#include "types.h"
#include "streams/stream.h"

static struct module_info rot13_info = {
  .mi_idnum = 103, .mi_idname = "rot13",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ, .mi_hiwat = 16384, .mi_lowat = 4096,
};

static void
rot13_rotate(uchar *p, uchar *end)
{
  for(; p < end; p++){
    uchar c = *p;
    if(c >= 'a' && c <= 'z')
      *p = 'a' + (c - 'a' + 13) % 26;
    else if(c >= 'A' && c <= 'Z')
      *p = 'A' + (c - 'A' + 13) % 26;
  }
}

static int
rot13_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) != M_DATA){
    putnext(q, mp);
    return 0;
  }
  for(mblk_t *bp = mp; bp; bp = bp->b_cont){
    if(!mwritable(bp)){
      // Someone else sees these bytes too (a dupmsg): work on a copy.
      mblk_t *cp = copymsg(mp);
      if(cp == 0){
        qdrop(q, mp, "rot13: no memory to copy shared data");
        return 0;
      }
      freemsg(mp);
      mp = cp;
      break;
    }
  }
  for(mblk_t *bp = mp; bp; bp = bp->b_cont)
    if(DB_TYPE(bp) == M_DATA)
      rot13_rotate(bp->b_rptr, bp->b_wptr);
  putnext(q, mp);
  return 0;
}

static int
rot13_rput(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}

static struct qinit rot13_rinit = { .qi_putp = rot13_rput, .qi_minfo = &rot13_info };
static struct qinit rot13_winit = { .qi_putp = rot13_wput, .qi_minfo = &rot13_info };

static struct streamtab rot13_tab = {
  .st_rdinit = &rot13_rinit,
  .st_wrinit = &rot13_winit,
  .st_flags = STR_MODULE,
};

STREAMS_MODULE(rot13_tab);
