import type { Consumer, ConsumerMessages, FetchOptions } from 'nats';

/** How long past its own expiry a pull may stay open before we give up on it. */
const GRACE_MS = 5000;

/**
 * consumer.fetch() that always ends. When the server holding a pull request dies
 * (a stream leader killed in a cluster), nats.js 2.29 notices the missed heartbeats
 * but never ends the fetch, so a plain `for await` over it would wait forever.
 */
export async function boundedFetch(consumer: Consumer, options: Partial<FetchOptions> & { expires: number }): Promise<ConsumerMessages> {
  const batch = await consumer.fetch(options);
  const guard = setTimeout(() => batch.stop(), options.expires + GRACE_MS);
  void batch.closed().then(
    () => clearTimeout(guard),
    () => clearTimeout(guard),
  );
  return batch;
}
