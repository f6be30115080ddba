// lwipopts.h: how lwIP 2.1.3 is configured for this kernel. lwIP supplies
// only TCP: our own STREAMS modules do Ethernet, ARP and IPv4, so lwIP
// sees a "shadow" interface that carries the local address and MTU and
// hands every segment to the tcp driver (modules/tcp/), which sends it
// down to ip. lwIP's own timers, threads and sockets are off: there is no
// OS layer (NO_SYS), one lock guards every lwIP call, and the driver calls
// tcp_tmr() from a callout every 250 ms.
//
// Sizes are chosen for bulk transfer under emulation: 128 KiB windows
// (window scaling on) so a round trip carries enough data, and send
// buffers to match. Memory is bounded twice: per connection by the
// windows and send buffers, in total by the heap ceiling in port.c.
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

// ---- system: no OS layer, no lwIP timers, our lock
#define NO_SYS                     1
#define LWIP_TIMERS                0
#define SYS_LIGHTWEIGHT_PROT       0
#define LWIP_NETCONN               0
#define LWIP_SOCKET                0
#define LWIP_ASSERT_CORE_LOCKED()  lwip_port_assert_locked()

// ---- protocols: TCP over IPv4 only; the rest is ours or absent
#define LWIP_IPV4                  1
#define LWIP_IPV6                  0
#define LWIP_TCP                   1
#define LWIP_UDP                   0
#define LWIP_RAW                   0
#define LWIP_ICMP                  0
#define LWIP_IGMP                  0
#define LWIP_DHCP                  0
#define LWIP_AUTOIP                0
#define LWIP_DNS                   0
#define LWIP_ARP                   0
#define LWIP_ETHERNET              0
#define IP_REASSEMBLY              0
#define IP_FRAG                    0
#define LWIP_SINGLE_NETIF          1
#define IP_DEFAULT_TTL             64

// ---- statistics: ours (tcp driver listing), not lwIP's
#define LWIP_STATS                 0
#define LWIP_STATS_DISPLAY         0
#define MIB2_STATS                 0

// ---- memory: the heap is kmalloc (bounded in port.c); pools are static
#define MEM_ALIGNMENT              8
#define MEM_LIBC_MALLOC            1
#define mem_clib_malloc            lwip_port_malloc
#define mem_clib_calloc            lwip_port_calloc
#define mem_clib_free              lwip_port_free
#define MEMP_MEM_MALLOC            0
#define PBUF_POOL_SIZE             0
#define MEMP_NUM_PBUF              64
#define MEMP_NUM_TCP_PCB           160   // connections, incl. TIME_WAIT
#define MEMP_NUM_TCP_PCB_LISTEN    16
#define MEMP_NUM_TCP_SEG           4096  // queued segments, all connections
#define PBUF_LINK_HLEN             14
#define PBUF_LINK_ENCAPSULATION_HLEN 0

// ---- TCP
#define TCP_MSS                    1460
#define LWIP_WND_SCALE             1
#define TCP_RCV_SCALE              2
#define TCP_WND                    (128 * 1024)
#define TCP_SND_BUF                (128 * 1024)
#define TCP_SND_QUEUELEN           256
#define TCP_SNDLOWAT               (32 * 1024)
#define TCP_OVERSIZE               TCP_MSS
#define LWIP_NETIF_TX_SINGLE_PBUF  1
#define TCP_QUEUE_OOSEQ            1
#define LWIP_TCP_SACK_OUT          1
#define LWIP_TCP_TIMESTAMPS        0
#define LWIP_TCP_KEEPALIVE         1     // per-connection idle/interval/count
#define TCP_LISTEN_BACKLOG         0     // the driver keeps its own backlog
#define SO_REUSE                   1     // a listener may restart while its
                                         // old connections sit in TIME_WAIT
#define LWIP_CALLBACK_API          1
#define LWIP_TCP_PCB_NUM_EXT_ARGS  1     // to hear when lwIP frees a pcb
#define LWIP_CHECKSUM_ON_COPY      1     // checksum while copying user data
#define LWIP_SUPPORT_CUSTOM_PBUF   1     // received packets are lent, not copied
#define LWIP_CHKSUM_ALGORITHM      3
#define CHECKSUM_GEN_IP            0     // ip builds and checks IP headers
#define CHECKSUM_CHECK_IP          0
#define CHECKSUM_GEN_TCP           1
#define CHECKSUM_CHECK_TCP         1

// Unpredictable initial sequence numbers (lwIP's default is a counter).
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) lwip_port_isn((lip), (lport), (rip), (rport))
#define LWIP_RAND()                lwip_port_random()

#endif
