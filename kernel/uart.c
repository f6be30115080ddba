// uart.c: the 16550 serial port QEMU attaches to the terminal. Output is
// buffered and sent as the transmitter empties (interrupt-driven), so a
// process writing to the console sleeps instead of spinning; the kernel's
// own printf uses the synchronous path.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define REG(r) ((volatile uchar *)(UART0 + (r)))
#define RHR 0   // receive holding
#define THR 0   // transmit holding
#define IER 1   // interrupt enable
#define FCR 2   // FIFO control
#define ISR 2   // interrupt status
#define LCR 3   // line control
#define LSR 5   // line status
#define LSR_RX_READY (1 << 0)
#define LSR_TX_IDLE  (1 << 5)

#define rd(r) (*REG(r))
#define wr(r, v) (*REG(r) = (v))

extern volatile int panicked;

static struct spinlock tx_lock;
static char tx_buf[1024];
static uint64 tx_w, tx_r;   // tx_buf[tx_r % size] is the next to send

void
uartinit(void)
{
  wr(IER, 0);
  wr(LCR, 0x80);     // divisor latch: 38.4K baud
  wr(0, 0x03);
  wr(1, 0x00);
  wr(LCR, 0x03);     // 8 data bits, no parity
  wr(FCR, 0x07);     // reset and enable FIFOs
  wr(IER, 0x03);     // interrupts on receive and transmit-empty
  initlock(&tx_lock, "uart");
}

// Move buffered bytes into the transmitter while it has room.
// Called with tx_lock held.
static void
uartstart(void)
{
  while(tx_w != tx_r && (rd(LSR) & LSR_TX_IDLE)){
    int c = tx_buf[tx_r % sizeof(tx_buf)];
    tx_r++;
    wakeup(&tx_r);
    wr(THR, c);
  }
}

// Queue a byte; sleeps while the buffer is full. Not for interrupt context.
void
uartputc(int c)
{
  acquire(&tx_lock);
  if(panicked)
    for(;;)
      ;
  while(tx_w == tx_r + sizeof(tx_buf))
    sleep(&tx_r, &tx_lock);
  tx_buf[tx_w % sizeof(tx_buf)] = c;
  tx_w++;
  uartstart();
  release(&tx_lock);
}

// Send a byte by spinning: for kernel printf and echo.
void
uartputc_sync(int c)
{
  push_off();
  while((rd(LSR) & LSR_TX_IDLE) == 0)
    ;
  wr(THR, c);
  pop_off();
}

void
uartintr(void)
{
  while(rd(LSR) & LSR_RX_READY)
    consoleintr(rd(RHR));
  acquire(&tx_lock);
  uartstart();
  release(&tx_lock);
}
