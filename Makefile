# Makefile: builds xv6-streams (kernel, user programs, disk image) and
# runs it: `make qemu`, `make test`, `make bench`, `make docs`, `make soak`.
#
# Everything is found by wildcard, so adding a source file, a user
# program, a guest test or a config file never needs an edit here.
# All output goes to build/; downloads (the lwIP source package) are
# cached in build/deps/, which `make clean` keeps and `make distclean`
# removes.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

B := build

# ------------------------------------------------------------ settings

SMP      ?= 2
QEMU     ?= qemu-system-riscv64
PYTHON   ?= python3
HOSTCC   ?= cc
LWIP_SRC ?= $(B)/lwip/lwip-2.1.3

# The kernel's TCP is compiled from the lwIP tree, and which files exist
# is decided while this Makefile is read; so when the tree is missing
# (fresh clone, after `make clean`) the installer runs right now, before
# anything else. It unpacks the cached download, or fetches it.
ifeq ($(wildcard $(LWIP_SRC)/src/core/tcp.c),)
ifneq ($(filter-out clean distclean,$(or $(MAKECMDGOALS),all)),)
$(shell LWIP_SRC='$(LWIP_SRC)' scripts/install-deps.sh --check-or-install >&2)
endif
endif

# Cross tool prefix: the bare-metal toolchain if present, else the Linux
# one (both work for a freestanding kernel). Evaluated once, at parse
# time; when neither exists we name the one the installer provides.
ifndef TOOLPREFIX
TOOLPREFIX := $(shell for p in riscv64-unknown-elf- riscv64-linux-gnu-; do \
		if command -v $${p}gcc >/dev/null 2>&1; then echo $$p; exit 0; fi; \
	done; echo riscv64-unknown-elf-)
endif

CC      := $(TOOLPREFIX)gcc
LD      := $(TOOLPREFIX)ld
OBJDUMP := $(TOOLPREFIX)objdump

# `make V=1` shows full commands.
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

ARCHFLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
BASEFLAGS := -Wall -Werror -O2 -g $(ARCHFLAGS) -ffreestanding -fno-common \
             -nostdlib -fno-stack-protector -fno-pie -no-pie $(EXTRA_CFLAGS)
# The layers, kept by the include paths (tests/test_layers.py checks):
# include/ is what user space may see (system calls, stropts.h, the
# network modules' commands and records) and the kernel includes it too;
# kernel/ sees include/ and itself; a module sees the kernel and modules/;
# a user program sees include/ and its library, never a kernel header.
KCFLAGS   := $(BASEFLAGS) -Iinclude -Ikernel
MCFLAGS   := $(KCFLAGS) -Imodules
UCFLAGS   := $(BASEFLAGS) -Iinclude -Iuser/lib
DEPFLAGS   = -MMD -MP -MF $(@:.o=.d)

# Newer binutils warn about the kernel's single RWX segment; that layout
# is deliberate, so silence the warning where the linker knows the flag.
LDFLAGS := -z max-page-size=4096
ifneq ($(shell $(LD) --help 2>/dev/null | grep -c no-warn-rwx-segments),0)
LDFLAGS += --no-warn-rwx-segments
endif
# libgcc supplies helpers the compiler may call on its own.
LIBGCC := $(shell $(CC) $(ARCHFLAGS) -print-libgcc-file-name 2>/dev/null)

# ------------------------------------------------------------ sources

# A module is one file modules/NAME.c or one directory modules/NAME/ of
# files (a folder inside such a directory, as tcp's lwIP port
# modules/tcp/port/, is not a module: the module's own section builds it).
MODULE_SRCS := $(wildcard modules/*.c) $(wildcard modules/*/*.c)
KSRCS := $(wildcard kernel/*.c kernel/*.S kernel/streams/*.c) $(MODULE_SRCS)
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS)))
KERNEL := $(B)/kernel/kernel

ULIB_SRCS := $(wildcard user/lib/*.c user/lib/*.S)
ULIB_OBJS := $(patsubst %,$(B)/%.o,$(basename $(ULIB_SRCS)))

# Every user/*.c is a command of its own, installed as /bin/NAME; its
# binary is build/user/_NAME. A program that has grown several concerns
# is a directory user/NAME/ (any folder of user/ but lib/): all its files
# make one program, /bin/NAME. Test and bench programs (tests/guest/*.c,
# tests/bench/*.c) are built the same way but installed as /test/NAME,
# so that /bin holds only what a user types.
prog = $(patsubst %.c,$(B)/user/_%,$(notdir $(1)))
USER_PROGS  := $(call prog,$(wildcard user/*.c))
USER_DIRS   := $(sort $(patsubst user/%/,%,$(filter-out user/lib/,$(dir $(wildcard user/*/*.c)))))
DIR_PROGS   := $(patsubst %,$(B)/user/_%,$(USER_DIRS))
dir_objs     = $(patsubst %.c,$(B)/%.o,$(wildcard user/$(1)/*.c))
GUEST_PROGS := $(call prog,$(wildcard tests/guest/*.c))
BENCH_PROGS := $(call prog,$(wildcard tests/bench/*.c))
CMD_PROGS   := $(USER_PROGS) $(DIR_PROGS)
TEST_PROGS  := $(GUEST_PROGS) $(BENCH_PROGS)
UPROGS      := $(CMD_PROGS) $(TEST_PROGS)
UOBJS       := $(patsubst %,$(B)/%.o,$(basename $(wildcard user/*.c user/*/*.c tests/guest/*.c tests/bench/*.c)))

# ------------------------------------------------------------ lwIP
# (This section belongs to the TCP driver.) TCP is lwIP 2.1.3's, compiled
# straight from the fetched tree in $(LWIP_SRC) - nothing of lwIP is kept
# in this repository - together with our port, modules/tcp/port/
# (lwipopts.h, arch/cc.h, the lock, heap and randomness in port.c, the
# glue to our ip module in ipglue.c). Only lwIP's TCP core and the few
# files it needs are built; lwIP's IP, netif, timers and APIs are not.
# The tcp driver's files (modules/tcp/) and the port see lwIP's headers;
# the rest of the kernel does not. Without the tree, the kernel is built
# without TCP and says so.
LWIP_CORE := core/tcp.c core/tcp_in.c core/tcp_out.c core/pbuf.c core/mem.c \
             core/memp.c core/def.c core/inet_chksum.c core/ip.c \
             core/ipv4/ip4_addr.c core/init.c
LWIP_INC  := -Imodules/tcp/port -I$(LWIP_SRC)/src/include
ifneq ($(wildcard $(LWIP_SRC)/src/core/tcp.c),)
LWIP_OBJS := $(patsubst %.c,$(B)/lwip-obj/%.o,$(LWIP_CORE)) \
             $(patsubst %.c,$(B)/%.o,$(wildcard modules/tcp/port/*.c))
KOBJS     += $(LWIP_OBJS)
# (the pattern covers modules/tcp/port/ too)
$(B)/modules/tcp/%.o: MCFLAGS += $(LWIP_INC)
# lwIP's own files: our flags, but its warnings are not ours to fix.
$(B)/lwip-obj/%.o: $(LWIP_SRC)/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,lwip/$*.c)$(CC) $(MCFLAGS) $(LWIP_INC) -Wno-error $(DEPFLAGS) -c -o $@ $<
else
$(warning lwIP not found in $(LWIP_SRC): kernel built without TCP (`make deps` fetches it))
KOBJS     := $(filter-out $(B)/modules/tcp/%,$(KOBJS))
endif
# `make bench` measures TCP too, on 1 and on 2 harts (tests/bench/
# bench_tcp.py writes docs/perf-tcp.md); `make bench-tcp` does only that,
# on $(SMP). A failure there is reported but does not stop the other
# benchmarks.
.PHONY: bench-tcp
bench-tcp: deps
	@$(MAKE) --no-print-directory all
	-@$(PYTHON) tests/bench/bench_tcp.py --smp $(SMP)
# ------------------------------------------------------------ end of lwIP

# ------------------------------------------------------------ disk image

MKFS    := $(B)/mkfs
# Every tools/NAME.c is a host program build/NAME (mkfs, fsck, ...).
HOST_TOOLS := $(patsubst tools/%.c,$(B)/%,$(wildcard tools/*.c))
FS_IMG  := $(B)/fs.img
FS_SPEC := $(B)/fs.spec

# configs/X -> /etc/X (the folder's own README.md stays out of the
# image), configs/share/X -> /share/X.
ETC_FILES   := $(filter-out configs/README.md,$(filter-out %/,$(wildcard configs/*)))
ETC_FILES   := $(foreach f,$(ETC_FILES),$(if $(wildcard $(f)/.),,$(f)))
SHARE_FILES := $(foreach f,$(wildcard configs/share/*),$(if $(wildcard $(f)/.),,$(f)))

# Extra files for the image as GUESTPATH=HOSTFILE pairs. lwIP's licence
# travels with the system that contains lwIP code. The tree comes from
# the installer (unpacked from its download cache, or fetched), so even a
# plain `make` after `make clean` gets it back.
LWIP_COPYING := $(LWIP_SRC)/COPYING
FS_EXTRA     ?=
FS_EXTRA     += /COPYING.lwip=$(LWIP_COPYING)
FS_EXTRA_HOST := $(foreach e,$(FS_EXTRA),$(word 2,$(subst =, ,$(e))))

# One quoted shell word per spec line; directories before their files.
FS_SPEC_LINES := 'dir /bin' 'dir /test' 'dir /etc' 'dir /share' 'dir /dev' \
	$(foreach p,$(CMD_PROGS),'file /bin/$(patsubst _%,%,$(notdir $(p))) $(p)') \
	$(foreach p,$(TEST_PROGS),'file /test/$(patsubst _%,%,$(notdir $(p))) $(p)') \
	$(foreach f,$(ETC_FILES),'file /etc/$(notdir $(f)) $(f)') \
	$(foreach f,$(SHARE_FILES),'file /share/$(notdir $(f)) $(f)') \
	'file /README README.md' \
	$(foreach e,$(FS_EXTRA),'file $(word 1,$(subst =, ,$(e))) $(word 2,$(subst =, ,$(e)))') \
	'dev /dev/console 1 0' 'dev /dev/null 2 0' 'dev /dev/zero 2 1' \
	'dev /dev/devices 3 0'

# ------------------------------------------------------------ what `all` is

# While the tree is young some parts may not exist yet; build what can be
# built and say what was left out, rather than failing on a missing file.
ALL :=
ifneq ($(wildcard kernel/kernel.ld),)
ALL += $(KERNEL) $(KERNEL).asm
else
$(warning kernel/kernel.ld missing: kernel not built)
endif
ifneq ($(wildcard user/user.ld),)
ALL += $(UPROGS)
else
$(warning user/user.ld missing: user programs not built)
endif
ALL += $(HOST_TOOLS)
ifneq ($(wildcard tools/mkfs.c),)
ifneq ($(wildcard user/user.ld),)
ALL += $(FS_IMG)
endif
else
$(warning tools/mkfs.c missing: disk image not built)
endif

.PHONY: all
all: $(ALL)

# ------------------------------------------------------------ compile rules

$(B)/kernel/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(KCFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/kernel/%.o: kernel/%.S
	@mkdir -p $(@D)
	$(call say,AS,$<)$(CC) $(KCFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/modules/%.o: modules/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(MCFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(UCFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/user/%.o: user/%.S
	@mkdir -p $(@D)
	$(call say,AS,$<)$(CC) $(UCFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(UCFLAGS) $(DEPFLAGS) -c -o $@ $<

# ------------------------------------------------------------ link rules

$(KERNEL): $(KOBJS) kernel/kernel.ld
	$(call say,LD,$@)$(LD) $(LDFLAGS) -T kernel/kernel.ld -o $@ $(KOBJS) $(LIBGCC)

$(KERNEL).asm: $(KERNEL)
	$(call say,OBJDUMP,$@)$(OBJDUMP) -S $< >$@

# One static pattern rule per source folder: the program's own object,
# then the user library (crt0 included), then libgcc.
$(USER_PROGS): $(B)/user/_%: $(B)/user/%.o $(ULIB_OBJS) user/user.ld
	$(call say,LD,$@)$(LD) $(LDFLAGS) -T user/user.ld -o $@ $< $(ULIB_OBJS) $(LIBGCC)

# A program directory: every object of user/NAME/, then the library.
define dir_prog_rule
$(B)/user/_$(1): $(call dir_objs,$(1)) $(ULIB_OBJS) user/user.ld
	$$(call say,LD,$$@)$$(LD) $$(LDFLAGS) -T user/user.ld -o $$@ $(call dir_objs,$(1)) $$(ULIB_OBJS) $$(LIBGCC)
endef
$(foreach d,$(USER_DIRS),$(eval $(call dir_prog_rule,$(d))))

$(GUEST_PROGS): $(B)/user/_%: $(B)/tests/guest/%.o $(ULIB_OBJS) user/user.ld
	$(call say,LD,$@)$(LD) $(LDFLAGS) -T user/user.ld -o $@ $< $(ULIB_OBJS) $(LIBGCC)

$(BENCH_PROGS): $(B)/user/_%: $(B)/tests/bench/%.o $(ULIB_OBJS) user/user.ld
	$(call say,LD,$@)$(LD) $(LDFLAGS) -T user/user.ld -o $@ $< $(ULIB_OBJS) $(LIBGCC)

# ------------------------------------------------------------ image rules

$(HOST_TOOLS): $(B)/%: tools/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$<)$(HOSTCC) -Wall -Werror -O2 -g -Iinclude -Ikernel -MMD -MP -MF $@.d -o $@ $<

# The spec is regenerated on every run but only rewritten when its text
# changes, so the image is rebuilt when a program or file is added or
# removed, and not otherwise.
.PHONY: FORCE
FORCE:
$(FS_SPEC): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(FS_SPEC_LINES) >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(FS_IMG): $(MKFS) $(FS_SPEC) $(UPROGS) $(ETC_FILES) $(SHARE_FILES) README.md $(FS_EXTRA_HOST)
	$(call say,MKFS,$@)$(MKFS) $@ $(FS_SPEC)

$(LWIP_COPYING):
	@LWIP_SRC='$(LWIP_SRC)' scripts/install-deps.sh --check-or-install

# ------------------------------------------------------------ running

QEMUOPTS = -machine virt,aclint=on -bios none -kernel $(KERNEL) -m 256M -smp $(SMP) \
	-nographic -global virtio-mmio.force-legacy=false \
	-drive file=$(FS_IMG),if=none,format=raw,id=x0 \
	-device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 $(NETOPTS) $(QEMUEXTRA)

# The default network: QEMU user networking (no root needed) on one e1000.
# The guest is 10.0.2.15 and reaches the host as 10.0.2.2; the host reaches
# a guest chat server at 127.0.0.1:$(CHATPORT). `make qemu NETOPTS=` runs
# without a network card.
CHATPORT ?= 6667
NETOPTS  ?= -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(CHATPORT)-:6667 \
	-device e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56

# The installer runs first; the build then happens in a sub-make so that
# anything it just fetched (tools, lwIP) is seen afresh.
.PHONY: deps
deps:
	@LWIP_SRC='$(LWIP_SRC)' scripts/install-deps.sh --check-or-install

# A port already taken (a second `make qemu`) is said in one line, with the
# way out, before QEMU would stop on "Could not set up host forwarding rule".
.PHONY: qemu
qemu: deps
	@$(MAKE) --no-print-directory all
	@$(if $(findstring hostfwd=tcp:127.0.0.1:$(CHATPORT)-,$(NETOPTS)),$(PYTHON) scripts/port-free.py $(CHATPORT))
	@echo "*** booting with $(SMP) hart(s); quit with Ctrl-A X"
	$(QEMU) $(QEMUOPTS)

GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)

.PHONY: qemu-gdb
qemu-gdb: deps
	@$(MAKE) --no-print-directory all
	@printf '%s\n' 'set confirm off' 'set architecture riscv:rv64' \
		'file $(KERNEL)' 'target remote 127.0.0.1:$(GDBPORT)' >$(B)/.gdbinit
	@echo "*** waiting for gdb on port $(GDBPORT)."
	@echo "*** from the repository root: gdb-multiarch -x $(B)/.gdbinit"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

# `make test` runs the guest suites on 1 and 2 harts; `make test SMP=N`
# on N only. TESTARGS passes options to the runner (e.g. -k ut_fs).
TEST_SMP := $(if $(filter command line environment,$(origin SMP)),$(SMP),1 2)

.PHONY: test
test: deps
	@$(MAKE) --no-print-directory all docs
	@$(PYTHON) tests/run.py --smp '$(TEST_SMP)' $(TESTARGS)

.PHONY: bench
# Every script records its figures in build/bench/figures.json, emptied
# first; the last step prints issue 18's targets from them, met or
# missed, and writes docs/perf-targets.md. A script that fails is
# reported and its figures show as not measured: the table still comes.
bench: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/bench/figures.py --reset
	-@$(PYTHON) tests/bench/bench.py --smp $(SMP) --out docs/perf.md
	-@$(PYTHON) tests/bench/bench_stream_cost.py
	-@$(PYTHON) tests/bench/bench_net.py
	-@$(PYTHON) tests/bench/bench_flood.py
	-@$(PYTHON) tests/bench/bench_tcp.py --smp 1
	-@$(PYTHON) tests/bench/bench_tcp.py --smp 2
	-@$(PYTHON) tests/bench/bench_fish.py
	-@$(PYTHON) tests/bench/bench_chat.py --smp $(SMP)
	@$(PYTHON) tests/bench/bench_summary.py

# The live graph of a freshly booted default stack, as SVG and PNG in
# build/ (scripts/graph.py --port PORT grabs it from a running guest).
.PHONY: graph
graph: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) scripts/graph.py

# Fuzz every harness of tests/fuzz/ for FUZZ_SECONDS each (make test runs
# them for 10 s) and write executions per second and coverage into
# docs/fuzzing.md; `make fuzz FUZZ=net` picks one.
FUZZ_SECONDS ?= 1800
FUZZ ?=
.PHONY: fuzz
fuzz: deps
	@$(PYTHON) tests/fuzz/fuzz.py --seconds $(FUZZ_SECONDS) --record docs/fuzzing.md $(FUZZ)

# The soak test (not part of `make test`): SOAK_SECONDS of mixed chat, FiSh
# and bulk TCP between four guests on a test LAN with the fault module on
# every link, then every digest, every chat message and every guest's
# counters checked; the figures go to docs/soak.md. Needs root (network
# namespaces, a bridge, taps); `make soak SOAK_SECONDS=120` is a short run.
SOAK_SECONDS ?= 3600
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/soak.py --seconds $(SOAK_SECONDS) --smp $(SMP)

# ------------------------------------------------------------ docs

DOTS := $(wildcard docs/*.dot)
SVGS := $(patsubst docs/%.dot,$(B)/docs/%.svg,$(DOTS))

.PHONY: docs
docs: $(SVGS)
	@:

# dot reports many problems as warnings with exit status 0; any output on
# stderr fails the rule.
$(B)/docs/%.svg: docs/%.dot
	@mkdir -p $(@D)
	$(call say,DOT,$<)dot -Tsvg $< -o $@ 2>$@.log; rc=$$?; \
	if [ $$rc -ne 0 ] || [ -s $@.log ]; then cat $@.log >&2; rm -f $@ $@.log; exit 1; fi; \
	rm -f $@.log

# ------------------------------------------------------------ cleaning

.PHONY: clean distclean
clean:
	@if [ -d $(B) ]; then find $(B) -mindepth 1 -maxdepth 1 ! -name deps -exec rm -rf {} +; fi
	@find tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(B)

-include $(KOBJS:.o=.d) $(ULIB_OBJS:.o=.d) $(UOBJS:.o=.d) $(HOST_TOOLS:=.d)

# ------------------------------------------------------------ live view
# `make view`: boot a guest as `make qemu` does (its console is this
# terminal), with the view's own channel attached (a virtio console, not
# the network), and serve the live stack on 127.0.0.1 at the address it
# prints (scripts/view.py; docs/view.md). VIEWARGS passes options.
VIEWARGS ?=
.PHONY: view
view: deps
	@$(MAKE) --no-print-directory all
	@$(if $(findstring hostfwd=tcp:127.0.0.1:$(CHATPORT)-,$(NETOPTS)),$(PYTHON) scripts/port-free.py $(CHATPORT))
	@echo "*** booting with $(SMP) hart(s); quit with Ctrl-A X"
	@$(PYTHON) scripts/view.py $(VIEWARGS) --run $(QEMU) $(QEMUOPTS)
