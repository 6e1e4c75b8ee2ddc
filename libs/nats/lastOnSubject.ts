import type { JetStreamManager } from 'nats';
import { JS_ERR, unlessJetStreamError } from './errors.js';
import { STREAMS } from './subjects.js';

/** The sequence of the subject's last message in the events stream, 0 when it has none: asked of the stream's leader, never of a replica behind it. */
export async function lastOnSubject(jsm: JetStreamManager, subject: string): Promise<number> {
  return (await unlessJetStreamError(jsm.streams.getMessage(STREAMS.events, { last_by_subj: subject }), JS_ERR.noMessageFound))?.seq ?? 0;
}
