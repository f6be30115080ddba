// null.c: the "null" STREAMS module – passes every message on unchanged,
// both ways. It is the smallest possible module: a template to start
// from, and the unit of the per-module cost measured by the benchmark
// (tests/bench/bench_streams.c pushes k of them).
#include "types.h"
#include "streams/stream.h"

static struct module_info null_info = {
  .mi_idnum = 102, .mi_idname = "null",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ, .mi_hiwat = 16384, .mi_lowat = 4096,
};

// Every message, a flush too, passes on unchanged: the framework's
// pass-through put procedure is all of it.
static struct qinit null_rinit = { .qi_putp = putnext_put, .qi_minfo = &null_info };
static struct qinit null_winit = { .qi_putp = putnext_put, .qi_minfo = &null_info };

static struct streamtab null_tab = {
  .st_rdinit = &null_rinit,
  .st_wrinit = &null_winit,
  .st_flags = STR_MODULE,
};

STREAMS_MODULE(null_tab);
