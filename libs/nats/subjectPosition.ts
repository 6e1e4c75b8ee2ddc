import type { JetStreamManager, StoredMsg } from 'nats';
import { JS_ERR, unlessJetStreamError } from './errors.js';
import { STREAMS } from './subjects.js';

/** The sequence of the subject's last message in the events stream, 0 when it has none: asked of the stream's leader, never of a replica behind it. */
export async function lastOnSubject(jsm: JetStreamManager, subject: string): Promise<number> {
  return (await unlessJetStreamError(jsm.streams.getMessage(STREAMS.events, { last_by_subj: subject }), JS_ERR.noMessageFound))?.seq ?? 0;
}

/** The first message at or after `fromSeq` whose subject matches `subject` (a wildcard may), undefined when there is none. */
export async function nextOnSubject(jsm: JetStreamManager, subject: string, fromSeq: number): Promise<StoredMsg | undefined> {
  // STREAM.MSG.GET with next_by_subj (server 2.9): typed in nats.js only for direct gets.
  return unlessJetStreamError(jsm.streams.getMessage(STREAMS.events, { seq: fromSeq, next_by_subj: subject } as never), JS_ERR.noMessageFound);
}
