// fish_ctl.c: /dev/fish/ctl, FiSh's settings and counters as text.
//
// Reading gives the settings, the link, the counters and the drop reasons;
// a written line ("pingwait MS", "classic on", "forget NODE", ...) is parsed
// once here and changes them.
#include "fish_impl.h"

// Drop reasons, in the order of enum D_* (the listing's order).
const char *fish_drop_name[NDROP] = {
  "short", "unknown-opcode", "checksum", "version", "bad-name", "bad-source",
  "no-daemon", "daemon-full", "stray-answer", "no-memory", "no-link", "bad-answer",
  "client-busy",
};

int fish_pingwait_ms = 1000;
int fish_giveup_ms = 4000;
int fish_rto_ms = 300;
int fish_reqrto_ms = 600;
int fish_window_set = 32;
int fish_classic_only;

struct fish_stats fish_st;

void
fish_count_drop(int why)
{
  acquire(&fish_lock);
  fish_st.drop[why]++;
  release(&fish_lock);
}

int
fish_ctl_text(char *buf, int n)
{
  char mac[18];
  int off = 0;
  acquire(&fish_lock);
  int nodes = 0;
  for(int i = 0; i < FISH_SCHOOL; i++)
    nodes += fish_school[i].used;
  off += snprintf(buf + off, n - off, "link %s\naddr %s\ndaemon %s\nschool %d/%d\n",
                  fish_lowq ? "up" : "down", fish_haveaddr ? netctl_fmt_mac(mac, fish_myaddr) : "none",
                  fish_daemon ? "yes" : "no", nodes, FISH_SCHOOL);
  off += snprintf(buf + off, n - off,
                  "wait %d\ntimeout %d\nrto %d\nreqrto %d\nwindow %d\nclassic %s\n",
                  fish_pingwait_ms, fish_giveup_ms, fish_rto_ms, fish_reqrto_ms, fish_window_set,
                  fish_classic_only ? "on" : "off");
  off += snprintf(buf + off, n - off,
                  "in %lu\nout %lu\nloop %lu\nrequests %lu\nanswers %lu\nevictions %lu\n"
                  "retransmits %lu\ntransfers %lu\nfailures %lu\n",
                  fish_st.in, fish_st.out, fish_st.loop, fish_st.requests, fish_st.answers, fish_st.evictions,
                  fish_st.retransmits, fish_st.transfers, fish_st.failures);
  for(int i = 0; i < NDROP && off < n; i++)
    off += snprintf(buf + off, n - off, "drop %s %lu\n", fish_drop_name[i], fish_st.drop[i]);
  release(&fish_lock);
  return off < n ? off : n - 1;
}

// A settings command ("wait 2000", "classic on" ...) written to
// /dev/fish/ctl. 0 or an errno.
int
fish_ctl_command(char *line)
{
  char *argv[NETCTL_ARGS];
  int argc = netctl_split(line, argv, NETCTL_ARGS);
  return fish_ctl_words(argc, argv);
}

// The same as words (and as NET_CTL, fish_streams.c). 0 or an errno.
int
fish_ctl_words(int argc, char **argv)
{
  uint32 v;
  if(argc == 1 && strcmp(argv[0], "forget") == 0){
    struct fish_up *gone = kmalloc(FISH_SCHOOL * sizeof(*gone));
    if(gone == 0)
      return ENOMEM;
    int n = 0;
    acquire(&fish_lock);
    for(int i = 0; i < FISH_SCHOOL; i++){
      if(fish_school[i].used && fish_node_leaves(i, &gone[n]))
        n++;
      fish_school[i].used = 0;
      fish_school[i].nfiles = 0;
      fish_school[i].gen++;
    }
    release(&fish_lock);
    for(int i = 0; i < n; i++)
      fish_gone_notice(&gone[i]);
    kmfree(gone);
    return 0;
  }
  if(argc != 2)
    return EINVAL;
  if(strcmp(argv[0], "classic") == 0){
    int on = strcmp(argv[1], "on") == 0;
    if(!on && strcmp(argv[1], "off") != 0)
      return EINVAL;
    acquire(&fish_lock);
    fish_classic_only = on;
    release(&fish_lock);
    return 0;
  }
  if(netctl_parse_uint(argv[1], &v) < 0)
    return EINVAL;
  int *p = 0, lo = 1, hi = 600000;
  if(strcmp(argv[0], "wait") == 0)
    p = &fish_pingwait_ms, lo = 10;
  else if(strcmp(argv[0], "timeout") == 0)
    p = &fish_giveup_ms, lo = 100;
  else if(strcmp(argv[0], "rto") == 0)
    p = &fish_rto_ms, lo = 10;
  else if(strcmp(argv[0], "reqrto") == 0)
    p = &fish_reqrto_ms, lo = 10;
  else if(strcmp(argv[0], "window") == 0)
    p = &fish_window_set, hi = FISH_XWINDOW;
  if(p == 0 || (int)v < lo || (int)v > hi || v > 600000)
    return EINVAL;
  acquire(&fish_lock);
  *p = v;
  release(&fish_lock);
  return 0;
}

