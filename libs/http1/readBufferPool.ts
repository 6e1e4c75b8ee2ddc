/** Size of one socket read: what libuv would read at most, and what Node's own reads allocate. */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Read buffers handed to sockets (net's `onread`) and taken back once what was read into
 * them has been written on, so a streamed body is read into the same memory over and over
 * instead of into a fresh allocation per read (Node's http client allocates one per read,
 * then copies every body chunk once more). Only buffers this pool made are taken back.
 */
export class ReadBufferPool {
  private readonly free: Buffer[] = [];
  private readonly made = new WeakSet<ArrayBufferLike>();
  private readonly isFree = new WeakSet<ArrayBufferLike>();

  constructor(private readonly maxFree = 256) {}

  take(): Buffer {
    const reused = this.free.pop();
    if (reused) {
      this.isFree.delete(reused.buffer);
      return reused;
    }
    const made = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
    this.made.add(made.buffer);
    return made;
  }

  /** Takes back the buffer `view` lies in; the caller guarantees nothing reads that buffer any more. */
  recycle(view: Buffer): void {
    const memory = view.buffer;
    if (!this.made.has(memory) || this.isFree.has(memory) || this.free.length >= this.maxFree) return;
    this.isFree.add(memory);
    this.free.push(Buffer.from(memory, 0, READ_BUFFER_SIZE));
  }
}
