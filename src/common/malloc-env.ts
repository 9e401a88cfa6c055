/**
 * The glibc malloc settings the core (the broker and its stores) runs with on Linux, as environment variables: glibc
 * reads them once, at process start, so every launcher of the core puts them in the core's environment
 * (bin/tributary.js runs `serve` again as its own child with them, bin/start.js likewise, the desktop shell passes them
 * to its utility process). Other platforms and C libraries ignore them.
 *
 * Why: glibc's mmap threshold is dynamic. It starts at 128 KiB, and every time a chunk that was mmapped is freed it
 * rises to that chunk's size (up to 32 MiB), the trim threshold to twice that. The core frees large buffers (log
 * pieces, parts, zlib states) early on; from then on every buffer below that size comes from the main (brk) heap — the
 * 64 KiB socket reads and open-hour chunks, the seal's and the log reader's 256 KiB–1 MiB buffers — among small
 * long-lived mallocs, and free() gives back only the top of that heap. After a day of metrics 34–87 MiB of it was free
 * and still resident (malloc_info, 14,600 series). A fixed threshold turns the adjustment off: buffers of 64 KiB and
 * more are mmapped each on its own and go back to the system when freed, and the heap's free top is returned past 128
 * KiB (glibc's default, no longer raised). Measured effect and cost: BENCHMARKS.md, "Issue 9", "glibc's heap".
 */
export const CORE_MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: String(64 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(128 * 1024),
});

/** Set to 0, launchers leave the core's environment as it is (to measure without the settings; another allocator). */
export const MALLOC_ENV_OPT_OUT = 'TRIBUTARY_MALLOC_ENV';

/**
 * The settings `env` lacks: none when it opted out, and none that it sets itself (the user's own value wins, and a
 * launcher that finds them all set does not launch again).
 */
export function missingCoreMallocEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env[MALLOC_ENV_OPT_OUT] === '0') return {};
  return Object.fromEntries(Object.entries(CORE_MALLOC_ENV).filter(([k]) => env[k] === undefined));
}

/** `env` with the settings it lacks. */
export function withCoreMallocEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, ...missingCoreMallocEnv(env) };
}
