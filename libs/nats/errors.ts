import { ErrorCode, NatsError } from 'nats';

/** JetStream's error codes (nats-server's errors.json) that Ferry tells apart. */
export const JS_ERR = {
  /** JSClusterNotAvailErr: JetStream system temporarily unavailable (no meta leader yet). */
  clusterNotAvailable: 10008,
  /** JSClusterNotLeaderErr: JetStream cluster can not handle request (leadership moving). */
  clusterNotLeader: 10009,
  /** JSConsumerNotFoundErr. */
  consumerNotFound: 10014,
  /** JSNoMessageFoundErr: a direct get found nothing (e.g. no message on the subject). */
  noMessageFound: 10037,
  /** JSStreamMsgDeleteFailedF: e.g. the message was deleted already. */
  messageDeleteFailed: 10057,
  /** JSStreamNameExistErr: stream name already in use with a different configuration. */
  streamNameExists: 10058,
  /** JSStreamNotFoundErr. */
  streamNotFound: 10059,
  /** JSStreamWrongLastSequenceErr: an append or KV write expected another last sequence. */
  wrongLastSequence: 10071,
  /** JSStreamStoreFailedF: the store refused the message, e.g. maximum messages or bytes exceeded on a full stream. */
  streamStoreFailed: 10077,
} as const;

/** The JetStream error code of a failed API call or publish, undefined for any other failure. */
export function jetStreamErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/**
 * `promise`'s value, or undefined when it failed with one of JetStream's `codes` (an answer the caller
 * expects, such as a consumer already gone); any other failure is rethrown.
 */
export async function unlessJetStreamError<T>(promise: Promise<T>, ...codes: number[]): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    const code = jetStreamErrorCode(err);
    if (code !== undefined && codes.includes(code)) return undefined;
    throw err;
  }
}

/**
 * Deletes an ordered consumer a read is done with. One already gone is fine, and so is one the server
 * could not be asked about (no answer, connection down): it removes an ordered consumer by itself after
 * its inactive threshold (5 minutes in nats.js), so a read that succeeded does not fail over its cleanup.
 */
export async function deleteOrderedConsumer(consumer: { delete(): Promise<boolean> }): Promise<void> {
  try {
    await consumer.delete();
  } catch (err) {
    if (jetStreamErrorCode(err) === JS_ERR.consumerNotFound) return;
    if (err instanceof NatsError && err.api_error === undefined && RETRYABLE_CLIENT_CODES.has(err.code)) return;
    throw err;
  }
}

/** Whether a publish, KV create or KV update lost to a concurrent write. */
export function isWrongLastSequence(err: unknown): boolean {
  return jetStreamErrorCode(err) === JS_ERR.wrongLastSequence;
}

/** Client failures worth sending again: no answer in time, nobody listening (a stream without a leader), the connection down. */
const RETRYABLE_CLIENT_CODES: ReadonlySet<string> = new Set([ErrorCode.Timeout, ErrorCode.NoResponders, ErrorCode.ConnectionClosed, ErrorCode.Disconnect]);
// A full work stream is retried too: copiers drain it, and listers hold back before it fills.
const RETRYABLE_JETSTREAM_CODES: ReadonlySet<number> = new Set([JS_ERR.clusterNotAvailable, JS_ERR.clusterNotLeader, JS_ERR.streamStoreFailed]);

/**
 * Whether a JetStream publish that failed may succeed if sent again: by JetStream's error
 * code when the server answered, else by the client's error code. A refusal for good
 * (message too large, wrong last sequence, no such stream configuration) is not.
 */
export function isRetryablePublishError(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  const jsCode = err.api_error?.err_code;
  if (jsCode !== undefined) return RETRYABLE_JETSTREAM_CODES.has(jsCode);
  return RETRYABLE_CLIENT_CODES.has(err.code);
}
