import type { IncomingHttpHeaders } from 'node:http';
import { isTransportFailure } from './transportFailure.js';

/** A response whose body is left for the caller to stream. */
export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: ResponseBody;
}

/** A body read chunk by chunk; node:http's IncomingMessage is one. */
export interface ResponseBody extends AsyncIterable<Buffer> {
  /** True once every byte of the body has arrived. */
  readonly complete: boolean;
  /** Stops reading; the connection is closed unless the whole body had already arrived. */
  destroy(): void;
  /** Says nothing will read `chunk` again, so its memory may take the next read. */
  recycle?(chunk: Buffer): void;
}

/** The whole of a (small) body: an error document, an answer to a PUT. */
export async function readWhole(body: ResponseBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * The body of an answer whose status already says what happened (an error, or a PUT's 200 whose
 * headers carry the result), or nothing when the connection fails while it is read: the status is
 * the outcome, the body only its detail.
 */
export function readDetail(body: ResponseBody): Promise<Buffer> {
  return readWhole(body).catch((err: unknown) => {
    if (!isTransportFailure(err)) throw err;
    return Buffer.alloc(0);
  });
}

/** A body already read whole (an error document read to look into), to be read again. */
export function bufferedBody(data: Buffer): ResponseBody {
  return {
    complete: true,
    destroy() {},
    async *[Symbol.asyncIterator]() {
      if (data.length > 0) yield data;
    },
  };
}

/** Chunks read ahead of the consumer before the socket is paused. */
const READ_AHEAD = 2;

export interface QueuedBodyHooks {
  /** The consumer caught up: read again. */
  resume(): void;
  /** The consumer stopped before the end: the connection cannot carry another response. */
  abandon(): void;
  recycle?(chunk: Buffer): void;
}

/** A body its connection pushes chunks into, read by one async iteration. */
export class QueuedBody implements ResponseBody, AsyncIterator<Buffer> {
  private readonly chunks: Buffer[] = [];
  private waiting: { resolve(r: IteratorResult<Buffer>): void; reject(err: unknown): void } | undefined;
  private failure: Error | undefined;
  private ended = false;
  private completed = false;
  readonly recycle?: (chunk: Buffer) => void;

  constructor(private readonly hooks: QueuedBodyHooks) {
    if (hooks.recycle) this.recycle = hooks.recycle;
  }

  get complete(): boolean {
    return this.completed;
  }

  /** Queues a chunk; false when the consumer is behind and reading should pause. */
  push(chunk: Buffer): boolean {
    if (this.ended) return true;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return true;
    }
    this.chunks.push(chunk);
    return this.chunks.length < READ_AHEAD;
  }

  /** Every byte has arrived. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.completed = true;
    this.settleWaiting();
  }

  /** The connection broke before the end; chunks already queued are still read first. */
  fail(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.settleWaiting();
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (this.chunks.length === READ_AHEAD - 1 && !this.ended) this.hooks.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** A `for await` left early (break or throw): the rest of the body is not wanted. */
  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  destroy(): void {
    this.chunks.length = 0;
    if (this.ended) return;
    this.fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    this.hooks.abandon();
  }

  private settleWaiting(): void {
    const waiting = this.waiting;
    if (!waiting || this.chunks.length > 0) return;
    this.waiting = undefined;
    if (this.failure) waiting.reject(this.failure);
    else waiting.resolve({ value: undefined, done: true });
  }
}
