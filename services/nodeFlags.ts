/**
 * The V8 flags every Ferry process is started with: `node --initial-old-space-size=64
 * dist/services/main.js`. V8 reads them only when the process starts: they cannot be set from
 * inside it, nor through NODE_OPTIONS, so every launcher (Makefile, Dockerfile, local-cluster.sh,
 * the test harness) passes them, and a unit test holds those launchers to this list.
 *
 * --initial-old-space-size=64: a copier allocates a fresh 64 KiB buffer for every socket read.
 * Against V8's small initial old-generation limit those allocations set off a full mark-compact
 * every ~17 MB copied, a third to a half of a copier's CPU on big objects. With room to grow
 * first, young-generation scavenges free the buffers and full collections all but stop: copying
 * 16 × 64 MiB between s3rvers (copyEngine.bench.ts), 56 full collections without the flag, 4 with
 * 64 MB, 2 with 128 MB; in make bench-compare, s3-64m's copier CPU went from 1.3 s to 0.6 s.
 * The price is memory: processes may hold more garbage before collecting it (make bench-scale,
 * with 128: lister and copiers peaked at 210-219 MB instead of 172-177 MB), hence 64, not more.
 */
export const NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** The flags of NODE_FLAGS this process was started without. */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
