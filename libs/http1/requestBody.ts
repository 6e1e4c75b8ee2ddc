import type { StreamedResponse } from './responseBody.js';

/** Called once a written chunk has been handed to the kernel, or with the error that stopped it. */
export type Written = (err?: Error | null) => void;

/** The body of a request, written by the caller chunk by chunk. */
export interface RequestBody {
  /** Sends a chunk; false when the caller should await drained() before the next. */
  write(chunk: Buffer, written?: Written): boolean;
  /** Sends the last chunk, if any: the request is complete. */
  end(chunk?: Buffer, written?: Written): void;
  /** Settles when the connection takes more: rejects if it closed first. */
  drained(): Promise<void>;
  /** Abandons the request. */
  destroy(err: Error): void;
  readonly ended: boolean;
}

/** A request under way: write its body, await its answer. */
export interface OpenedRequest {
  body: RequestBody;
  response: Promise<StreamedResponse>;
}
