// Preloaded into the benchmark's broker with BENCH_MALLOC_INFO=1 (bench/malloc-info.js builds it with gcc): a thread
// polls for $MI_DIR/trigger-<pid>; when it appears it writes glibc's malloc_info to $MI_DIR/info-<pid>-<n>.xml and,
// if the trigger says "trim", calls malloc_trim(0) after. Bench-only, Linux/glibc only: Node has no binding for either.
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void *poll_thread(void *arg) {
  const char *dir = getenv("MI_DIR");
  char trig[512], out[512], buf[16];
  int n = 0;
  snprintf(trig, sizeof trig, "%s/trigger-%d", dir, getpid());
  for (;;) {
    usleep(200000);
    FILE *t = fopen(trig, "r");
    if (!t) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, t);
    buf[len] = 0;
    fclose(t);
    unlink(trig);
    snprintf(out, sizeof out, "%s/info-%d-%d.xml", dir, getpid(), n++);
    FILE *o = fopen(out, "w");
    if (o) { malloc_info(0, o); fclose(o); }
    if (strncmp(buf, "trim", 4) == 0) malloc_trim(0);
    snprintf(out, sizeof out, "%s/done-%d-%d", dir, getpid(), n - 1);
    o = fopen(out, "w");
    if (o) fclose(o);
  }
  return NULL;
}
__attribute__((constructor)) static void start(void) {
  if (!getenv("MI_DIR")) return;
  pthread_t t;
  pthread_create(&t, NULL, poll_thread, NULL);
  pthread_detach(t);
}
