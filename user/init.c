// init.c: the first user process (pid 1).
//
// 1. Opens the console as fds 0, 1 and 2 (making /dev/console first if
//    the disk image lacks it).
// 2. Creates the device files the kernel lists in /dev/devices, because
//    most drivers get their major numbers only at boot.
// 3. Runs /etc/rc with sh, if present (stack configuration lives there).
// 4. Keeps a shell running on the console, restarting it when it exits.
// Orphaned processes are re-parented to init, so every wait() loop here
// also reaps them.
#include "user.h"
#include "sysparam.h"

static char *sh_argv[] = { "sh", 0 };

static void
console_open(void)
{
  int fd = open("/dev/console", O_RDWR);
  if(fd < 0){
    mkdir("/dev");
    mknod("/dev/console", 1, 0);     // major 1 = console (kernel/file.h)
    fd = open("/dev/console", O_RDWR);
  }
  if(fd < 0)
    exit(1);      // nowhere to even print the problem
  // make sure the console ends up as 0, 1 and 2 whatever fd we got
  if(fd != 0){
    dup2(fd, 0);
    close(fd);
  }
  dup2(0, 1);
  dup2(0, 2);
}

// mkdir for every directory on the way to path's last component.
static void
make_parents(char *path)
{
  for(char *p = path + 1; *p; p++){
    if(*p != '/')
      continue;
    *p = 0;
    int r = mkdir(path);
    if(r < 0 && r != -EEXIST)
      fprintf(2, "init: mkdir %s: %s\n", path, strerror(r));
    *p = '/';
  }
}

// Creates (or re-creates) one device file from a /dev/devices line.
// A node left on disk by an earlier boot may carry a stale major number,
// and checking it would mean opening the device, so an existing node is
// simply replaced.
static void
make_node(char *rel, int major, int minor)
{
  char path[MAXPATH];
  int r;

  if(snprintf(path, sizeof(path), "/dev/%s", rel) >= (int)sizeof(path)){
    fprintf(2, "init: device path too long: %s\n", rel);
    return;
  }
  make_parents(path);
  r = mknod(path, major, minor);
  if(r == -EEXIST){
    r = unlink(path);
    if(r == 0)
      r = mknod(path, major, minor);
  }
  if(r < 0)
    fprintf(2, "init: mknod %s %d %d: %s\n", path, major, minor, strerror(r));
}

// Reads /dev/devices: lines "path major minor", path relative to /dev.
static void
make_devices(void)
{
  struct linebuf lb;
  char line[200];
  int fd = open("/dev/devices", O_RDONLY);

  if(fd < 0){
    fprintf(2, "init: /dev/devices: %s\n", strerror(fd));
    return;
  }
  lb_init(&lb, fd);
  while(lb_getline(&lb, line, sizeof(line)) > 0){
    char *f[3];
    int n = 0;
    char *p = line;
    // split into at most three blank-separated fields
    while(n < 3){
      while(isspace(*p))
        p++;
      if(*p == 0)
        break;
      f[n++] = p;
      while(*p && !isspace(*p))
        p++;
      if(*p)
        *p++ = 0;
    }
    if(n == 0)
      continue;
    if(n != 3 || !isdigit(f[1][0]) || !isdigit(f[2][0]) || f[0][0] == '/' ||
       strstr(f[0], "..")){
      fprintf(2, "init: bad line in /dev/devices: %s\n", f[0]);
      continue;
    }
    make_node(f[0], atoi(f[1]), atoi(f[2]));
  }
  close(fd);
}

// Starts argv[0] from /bin and waits for it, reaping orphans meanwhile.
// Returns the program's exit status, or -1 if it could not start.
static int
run(const char *path, char **argv)
{
  int pid = fork();
  if(pid < 0){
    fprintf(2, "init: fork: %s\n", strerror(pid));
    return -1;
  }
  if(pid == 0){
    int r = exec(path, argv);
    fprintf(2, "init: exec %s: %s\n", path, strerror(r));
    exit(127);
  }
  for(;;){
    int st;
    int w = wait(&st);
    if(w == pid)
      return st;
    if(w < 0)        // cannot happen while our child lives; be safe
      return -1;
  }
}

int
main(void)
{
  console_open();
  make_devices();

  int fd = open("/etc/rc", O_RDONLY);
  if(fd >= 0){
    char *rc_argv[] = { "sh", "/etc/rc", 0 };
    close(fd);
    run("/bin/sh", rc_argv);
  }

  for(;;){
    long start = uptime();
    int st = run("/bin/sh", sh_argv);
    // A shell that dies at once over and over (missing /bin/sh, no
    // memory) should not spin the machine: pause a little.
    if(st == -1 || uptime() - start < 100)
      sleep(500);
  }
}
