/**
 * The promise's value if it settles within `ms` (and before `interrupted`, when given), else undefined.
 * The promise goes on: the race has handled a rejection after that, and whoever awaits it next sees it too. nats.js retries
 * creating an ordered consumer for minutes when the cluster cannot place it (a peer just died),
 * so opening one is awaited with this.
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number, interrupted?: Promise<void>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, expired, ...(interrupted ? [interrupted.then(() => undefined)] : [])]);
  } finally {
    clearTimeout(timer);
  }
}
