// sleep.c: pause for a while, as on Unix.
//   sleep SECONDS     SECONDS is a decimal number, fractions allowed:
//                     sleep 1, sleep 0.2, sleep 2.5 (resolution 1 ms)
// The kernel's sleep() takes milliseconds; the text is converted here
// exactly (no floating point): digits after the third decimal are refused
// rather than rounded away, so that what runs is what was asked for.
#include "user.h"

#define SLEEP_MAX_MS 0x7fffffffL   // what the system call takes (~24.8 days)

// Parse "S[.fff]" into milliseconds; -1 if it is not such a number or too large.
static long
sleep_parse_ms(const char *s)
{
  long ms = 0;
  int digits = 0, frac = -1;   // frac: decimals seen after '.', -1 before it

  for(; *s; s++){
    if(*s == '.' && frac < 0){
      frac = 0;
      continue;
    }
    if(*s < '0' || *s > '9' || frac == 3)
      return -1;
    ms = ms * 10 + (*s - '0');
    digits++;
    if(frac >= 0)
      frac++;
    if(ms > SLEEP_MAX_MS)
      return -1;
  }
  if(digits == 0)
    return -1;
  for(int f = frac < 0 ? 0 : frac; f < 3; f++){
    ms *= 10;
    if(ms > SLEEP_MAX_MS)
      return -1;
  }
  return ms;
}

int
main(int argc, char *argv[])
{
  if(argc != 2){
    fprintf(2, "usage: sleep SECONDS   (fractions allowed: sleep 0.2)\n");
    return 2;
  }
  long ms = sleep_parse_ms(argv[1]);
  if(ms < 0){
    fprintf(2, "sleep: %s: not a number of seconds from 0 to %ld.%03ld with at most 3 decimals\n",
            argv[1], SLEEP_MAX_MS / 1000, SLEEP_MAX_MS % 1000);
    return 2;
  }
  int r = sleep((int)ms);
  if(r < 0)
    die("sleep", 0, r);
  return 0;
}
