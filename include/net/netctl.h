// net/netctl.h: text control messages for network modules, Plan 9 style,
// as user programs send them.
//
// Every network module and driver understands one I_STR command, NET_CTL,
// whose data is a line of text such as "bind 0x0800" (eth), "addr
// 10.0.2.15/24" (ip) or "route default 10.0.2.2" (ip). A module handles
// the commands it knows and passes the rest down the stream, so a user can
// configure a whole stack through its top (push -c DEV "text"). The
// answer is text too (for "show"-like commands) or empty.
//
// The modules' side (the parsing helpers they share) is modules/netctl.h.
#ifndef NET_NETCTL_H
#define NET_NETCTL_H

#define NET_CTL     (('N' << 8) | 1)   // I_STR: text command in, text answer out
#define NETCTL_MAX  256                // longest command line
#define NETCTL_ARGS 8                  // most words in one command

#endif
