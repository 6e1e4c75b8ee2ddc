/**
 * The V8 flags every Ferry process is started with: `node --initial-old-space-size=128
 * dist/services/main.js`. V8 reads them only when the process starts: they cannot be set from
 * inside it, nor through NODE_OPTIONS, so every launcher (Makefile, Dockerfile, local-cluster.sh,
 * the test harness) passes them, and a unit test holds those launchers to this list.
 *
 * --initial-old-space-size=128: a copier allocates a fresh 64 KiB buffer for every socket read.
 * Against V8's small initial old-generation limit those allocations set off a full mark-compact
 * every ~17 MB copied, a third to a half of a copier's CPU on big objects. With room to grow
 * first, young-generation scavenges free the buffers and full collections all but stop
 * (s3-64m in make bench-compare: copier CPU 1.3 s → 0.6 s, peak RSS no higher).
 */
export const NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** The flags of NODE_FLAGS this process was started without. */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
