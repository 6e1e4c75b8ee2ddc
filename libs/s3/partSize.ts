const MiB = 1024 * 1024;
export const MAX_PARTS = 10_000;

/** The configured part size, grown (in whole MiB) until the object fits in 10,000 parts. */
export function choosePartSize(objectSize: number, configured: number): number {
  const needed = Math.ceil(Math.ceil(objectSize / MAX_PARTS) / MiB) * MiB;
  return Math.max(configured, needed);
}
