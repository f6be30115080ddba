// console.c: /dev/console, the terminal on the serial port. Input is
// line-edited here (backspace, ^U erases the line, ^D ends input, ^P lists
// processes) and handed to readers a line at a time; output turns "\n"
// into "\r\n" because QEMU puts the host terminal in raw mode.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"

#define CTRL(x) ((x) - '@')
#define BACKSPACE 0x100

static struct {
  struct spinlock lock;
  char buf[512];
  uint64 r;   // next byte a reader gets
  uint64 w;   // end of the completed lines
  uint64 e;   // end of the line being edited
} cons;

// Send one character to the terminal, synchronously (printf, echo).
void
consputc(int c)
{
  if(c == BACKSPACE){
    uartputc_sync('\b'); uartputc_sync(' '); uartputc_sync('\b');
  } else {
    if(c == '\n')
      uartputc_sync('\r');
    uartputc_sync(c);
  }
}

static int
console_write(struct file *f, uint64 src, int n)
{
  char chunk[64];
  int done = 0;
  while(done < n){
    int m = n - done < (int)sizeof(chunk) ? n - done : (int)sizeof(chunk);
    if(copyin_user(chunk, src + done, m) < 0)
      return done > 0 ? done : -EFAULT;
    for(int i = 0; i < m; i++){
      if(chunk[i] == '\n')
        uartputc('\r');
      uartputc(chunk[i]);
    }
    done += m;
  }
  return done;
}

static int
console_read(struct file *f, uint64 dst, int n)
{
  int got = 0;
  acquire(&cons.lock);
  while(got < n){
    while(cons.r == cons.w){
      if(got > 0){
        release(&cons.lock);
        return got;
      }
      if(f->flags & O_NONBLOCK){
        release(&cons.lock);
        return -EAGAIN;
      }
      if(killed(myproc())){
        release(&cons.lock);
        return -EINTR;
      }
      sleep(&cons.r, &cons.lock);
    }
    char c = cons.buf[cons.r % sizeof(cons.buf)];
    cons.r++;
    if(c == CTRL('D')){
      // ^D alone ends input: return what we have (0 = end of file);
      // after some bytes it just ends the read.
      break;
    }
    char cc = c;
    if(copyout_user(dst + got, &cc, 1) < 0){
      release(&cons.lock);
      return got > 0 ? got : -EFAULT;
    }
    got++;
    if(c == '\n')
      break;
  }
  release(&cons.lock);
  return got;
}

static int
console_poll(struct file *f)
{
  acquire(&cons.lock);
  int ready = cons.r != cons.w;
  release(&cons.lock);
  return POLLOUT | (ready ? POLLIN : 0);
}

// A byte arrived from the UART (interrupt context).
void
consoleintr(int c)
{
  acquire(&cons.lock);
  switch(c){
  case CTRL('P'):
    procdump();
    break;
  case CTRL('U'):
    while(cons.e != cons.w && cons.buf[(cons.e - 1) % sizeof(cons.buf)] != '\n'){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  case CTRL('H'):
  case 0x7f:
    if(cons.e != cons.w){
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  default:
    if(c == 0 || cons.e - cons.r >= sizeof(cons.buf))
      break;
    if(c == '\r')
      c = '\n';
    if(c != CTRL('D'))
      consputc(c);
    cons.buf[cons.e % sizeof(cons.buf)] = c;
    cons.e++;
    if(c == '\n' || c == CTRL('D') || cons.e - cons.r == sizeof(cons.buf)){
      cons.w = cons.e;
      wakeup(&cons.r);
      release(&cons.lock);
      pollwakeup();
      return;
    }
  }
  release(&cons.lock);
}

static struct devsw console_dev = {
  .read = console_read,
  .write = console_write,
  .poll = console_poll,
};

void
consoleinit(void)
{
  initlock(&cons.lock, "console");
  uartinit();
  devsw[CONSOLE] = console_dev;
}
