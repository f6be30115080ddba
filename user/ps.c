// ps.c: list processes, from procinfo(2).
// Columns: pid, parent pid, state, user memory in bytes, name; kernel
// threads have their name in brackets.
#include "user.h"
#include "sysparam.h"

static const char *
statename(int s)
{
  switch(s){
  case PS_USED:     return "new";
  case PS_SLEEPING: return "sleep";
  case PS_RUNNABLE: return "ready";
  case PS_RUNNING:  return "run";
  case PS_ZOMBIE:   return "zombie";
  default:          return "?";
  }
}

int
main(void)
{
  static struct procinfo p[NPROC];
  int n = procinfo(p, NPROC);

  if(n < 0)
    die("ps", "procinfo", n);
  printf("%5s %5s %-6s %9s %s\n", "PID", "PPID", "STATE", "SIZE", "NAME");
  for(int i = 0; i < n && i < NPROC; i++){
    char name[PROCNAME + 3];
    // names from the kernel need not be terminated
    char raw[PROCNAME + 1];
    memcpy(raw, p[i].name, PROCNAME);
    raw[PROCNAME] = 0;
    if(p[i].kernel)
      snprintf(name, sizeof(name), "[%s]", raw);
    else
      snprintf(name, sizeof(name), "%s", raw);
    printf("%5d %5d %-6s %9lu %s\n", p[i].pid, p[i].ppid,
           statename(p[i].state), p[i].size, name);
  }
  return 0;
}
