// sysinfo.c: every resource counter of the kernel in one place, one
// "name value" pair per line so scripts and tests can pick them out:
// memory and processes (sysinfo(2)), STREAMS (messages, data blocks,
// streams, links: I_GSTATS) and TCP (conversations and lwIP's control
// blocks: /dev/tcpstat). Leak checks compare these with a baseline.
// Also, one line per spinlock name, how often it was taken and how often
// and how long a hart had to spin for it.
#include "user.h"
#include "stropts.h"

// The "# conversations N ... pcbs N" line of /dev/tcpstat, if TCP is there.
static void
tcp_counts(void)
{
  char buf[1024];
  int fd = open("/dev/tcpstat", O_RDONLY);
  if(fd < 0)
    return;
  int n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  char *p = strstr(buf, "# conversations ");
  if(p == 0)
    return;
  long conv = atoi(p + 16);
  char *q = strstr(p, " pcbs ");
  printf("tcp_conversations %ld\n", conv);
  if(q)
    printf("tcp_pcbs %d\n", atoi(q + 6));
}

int
main(void)
{
  struct sysinfo si;
  int r = sysinfo(&si);
  if(r < 0)
    die("sysinfo", 0, r);
  printf("freepages %lu\n", si.freepages);
  printf("totalpages %lu\n", si.totalpages);
  printf("freekb %lu\n", si.freepages * 4);
  printf("kmalloc_bytes %lu\n", si.kmalloc_bytes);
  printf("uptime_ms %lu\n", si.uptime_ms);
  printf("nproc %d\n", si.nproc);
  printf("nfile %d\n", si.nfile);
  printf("ninode %d\n", si.ninode);
  printf("ncpu %d\n", si.ncpu);
  // Spinlocks by name: "lock NAME acquires N contended N spins N".
  for(int i = 0; i < si.nlocks && i < NLOCKSTAT; i++)
    printf("lock %s acquires %lu contended %lu spins %lu\n", si.locks[i].name,
           si.locks[i].acquires, si.locks[i].contended, si.locks[i].spins);
  // I_GSTATS works on any stream; a loop stream of our own is counted in
  // ss_streams while we hold it open, so it is taken off again.
  int fd = open("/dev/loop", O_RDWR);
  struct str_stats st;
  if(fd >= 0 && ioctl(fd, I_GSTATS, (long)&st) >= 0){
    printf("streams %d\n", st.ss_streams - 1);
    printf("mblks %d\n", st.ss_mblks);
    printf("dblks %d\n", st.ss_dblks);
    printf("mux_links %d\n", st.ss_links);
    printf("kept_streams %d\n", st.ss_kept);
  }
  if(fd >= 0)
    close(fd);
  tcp_counts();
  return 0;
}
