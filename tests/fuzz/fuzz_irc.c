// FUZZ-SOURCES:
// fuzz_irc.c: libFuzzer harness for the IRC line code that chatd and chat
// share (user/lib/irc.c): the line splitter fed arbitrary bytes in
// arbitrary pieces, the parser, the name checks, the wildcard matcher
// (ban and WHO masks), and the line formatter
// given what the parser produced. The user library's functions share names
// with the C library's, so they are renamed (tests/host/ulib_rename.h)
// before their sources are included.
#include "../host/ulib_rename.h"
#include "../../user/lib/string.c"
#include "../../user/lib/number.c"
#include "../../user/lib/format.c"
#include "../../user/lib/irc.c"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static struct irc_lines lb;
  static char line[IRC_LINEMAX], out[IRC_LINEMAX + 1];
  irc_lines_init(&lb);
  unsigned long i = 0;
  while(i < size){
    // the first byte of each piece says how long the piece is
    int piece = 1 + data[i] % 97;
    i++;
    if(piece > (int)(size - i))
      piece = size - i;
    int taken = 0;
    while(taken < piece){
      int n = irc_lines_put(&lb, (const char *)data + i + taken, piece - taken);
      taken += n;
      int r;
      while((r = irc_lines_take(&lb, line)) != IRC_NOLINE){
        if(r == IRC_TOOLONG)
          continue;
        irc_utf8_valid(line, r);
        struct ircmsg m;
        if(irc_parse(line, &m) < 0)
          continue;
        char nick[32];
        if(m.prefix)
          irc_prefix_nick(m.prefix, nick, sizeof(nick));
        irc_valid_nick(m.cmd, 30);
        for(int k = 0; k < m.nparams; k++){
          irc_valid_channel(m.params[k], 50);
          irc_casecmp(m.params[k], m.cmd);
          irc_match(m.params[k], m.cmd);          // masks come from users too
          irc_match(m.params[0], m.params[k]);
          irc_line(out, sizeof(out), ":%s %s %s :%s", m.prefix ? m.prefix : "srv", m.cmd,
                   m.params[0], m.params[k]);
        }
      }
      if(n == 0)
        break;
    }
    i += piece;
  }
  return 0;
}
