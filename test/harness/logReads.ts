import type { NatsConnection, Subscription } from 'nats';
import { STREAMS } from '../../libs/nats/index.js';

/** What a watch of the wire has seen read the events stream since it began. */
export interface LogReads {
  /** Ordered consumers (or any other) created on the stream. */
  consumersCreated(): number;
  /** Message gets that ask for a subject's next message (`next_by_subj`). */
  nextGets(): number;
  stop(): void;
}

/**
 * Watches the JetStream API requests that read the events stream, made on any connection to the server
 * `nc` is connected to. A request seen here arrives before the answer to a later `nc.flush()` when it was
 * made on `nc`.
 */
export async function watchLogReads(nc: NatsConnection): Promise<LogReads> {
  let nextGets = 0;
  const creates: Subscription[] = [`$JS.API.CONSUMER.CREATE.${STREAMS.events}`, `$JS.API.CONSUMER.CREATE.${STREAMS.events}.>`].map((subject) => nc.subscribe(subject));
  const gets = nc.subscribe(`$JS.API.STREAM.MSG.GET.${STREAMS.events}`, {
    callback: (_err, msg) => {
      if ('next_by_subj' in (msg.json<Record<string, unknown>>() ?? {})) nextGets++;
    },
  });
  await nc.flush();
  return {
    consumersCreated: () => creates.reduce((n, sub) => n + sub.getReceived(), 0),
    nextGets: () => nextGets,
    stop: () => [...creates, gets].forEach((sub) => sub.unsubscribe()),
  };
}
