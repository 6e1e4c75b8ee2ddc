/**
 * The V8 flags every Ferry process is started with: `node --initial-old-space-size=64
 * dist/services/main.js` (a lister alone adds its own, SERVICE_NODE_FLAGS). V8 reads them only when the process
 * starts: they cannot be set from inside it, nor this one through NODE_OPTIONS, so every launcher
 * (Makefile, Dockerfile, local-cluster.sh, the test harness) passes them, and a unit test holds those
 * launchers to this list.
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

/**
 * What a process that runs one service adds to NODE_FLAGS (`--target all` runs the copier, so it takes
 * NODE_FLAGS alone).
 *
 * --max-semi-space-size=4 for the lister: it allocates fast (pages parsed, work items encoded) and keeps
 * little, and V8 may grow a young generation's semi-spaces to 16 MB (Node 20's most) for that. Its
 * peak RSS comes in a listing's first seconds, when it lists at full speed until the work stream's
 * backlog holds it back: in make bench-scale, 214 and 234 MiB in two 500,000-object runs, 233 to 268
 * in five of 10,000,000; with 4 MB semi-spaces, 194 and 195 in two 500,000-object runs, at the same
 * CPU per object (deploy/CAPACITY.md). The copier keeps the default (smaller ones were not tried
 * there): its 64 KiB socket buffers are meant to die in the young generation, as above.
 */
const SERVICE_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  lister: ['--max-semi-space-size=4'],
};

/** The V8 flags a process running `target` (a `--target` of services/main.ts) starts with. */
export function nodeFlags(target: string): string[] {
  return [...NODE_FLAGS, ...(SERVICE_NODE_FLAGS[target] ?? [])];
}

/**
 * The flags of nodeFlags(target) this process was started without: on its command line (`execArgv`) or,
 * where a launcher passes V8's flags that way, in NODE_OPTIONS (deploy/k8s/base/lister.yaml).
 */
export function missingNodeFlags(target: string, execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return nodeFlags(target).filter((flag) => !given.has(flag));
}
