import net from 'node:net';
import tls from 'node:tls';
import { localhostLookup } from './localhostLookup.js';
import { AbortRegistry, abortError } from './abortRegistry.js';
import { ChunkedDecoder } from './chunkedDecoder.js';
import { ReadBufferPool } from './readBufferPool.js';
import type { OpenedRequest, RequestBody, Written } from './requestBody.js';
import { QueuedBody, type StreamedResponse } from './responseBody.js';
import { MalformedResponse } from './malformedResponse.js';
import { HeadReader, type BodyFraming, type ResponseHead } from './responseHead.js';
import type { TlsCheckOptions } from './endpointTls.js';

/** Default idle socket timeout, here and in SignedHttp's agents: a stalled peer fails the request instead of hanging it. */
export const SOCKET_TIMEOUT_MS = 120_000;
let configuredSocketTimeoutMs = SOCKET_TIMEOUT_MS;

/** Sets the idle socket timeout of connections opened from now on (`ferry.endpoint_timeout`, set once at start-up). */
export function setSocketTimeoutMs(ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`socket timeout must be positive, got ${ms}`);
  configuredSocketTimeoutMs = ms;
}

export function socketTimeoutMs(): number {
  return configuredSocketTimeoutMs;
}

/** The error of a socket that stayed silent for `ms`: it names the wait, so a run's error says what timed out. */
export function socketTimedOut(ms: number): Error {
  return Object.assign(new Error(`socket timed out (no data for ${ms} ms)`), { code: 'ETIMEDOUT' });
}
/** Idle keep-alive connections kept per endpoint. */
const MAX_IDLE_PER_ENDPOINT = 256;

/** Where requests go: a host and port, and for HTTPS how its certificate is checked. */
export interface Origin {
  hostname: string;
  port: number;
  tls?: TlsOrigin;
}

export interface TlsOrigin {
  check: TlsCheckOptions;
  /** Names `check` (endpointTls.ts tlsKey): connections are pooled per origin and key. */
  key: string;
}

/**
 * HTTP/1.1 over keep-alive connections, plain or TLS, whose sockets read into pooled buffers (the
 * sockets' `onread`, which TLS sockets honour with the decrypted bytes): a body arrives as views of
 * those buffers, which the caller recycles once it has written them on, and a request body goes
 * straight to the socket. node:http(s) allocates a buffer per read, copies every body chunk into
 * another one, and passes each written chunk through cork and a next-tick uncork: together half a
 * copier's CPU on 1 MiB objects (README, "How objects are copied"). One request per connection at a
 * time, no pipelining.
 */
export class Http1Client {
  private readonly idle = new Map<string, Connection[]>();
  private readonly open = new Set<Connection>();
  private readonly buffers = new ReadBufferPool();
  private readonly aborts = new AbortRegistry();
  /** The latest TLS session of each origin: a new connection resumes it instead of a full handshake, as https.Agent does. */
  private readonly sessions = new Map<string, Buffer>();

  /** `socketTimeoutMs`: fixed for this client; without it, the configured one when a connection opens. */
  constructor(private readonly socketTimeoutMs?: number) {}

  /** Sends `head` (a whole request without body) and resolves with the response, its body unread. */
  async get(origin: Origin, head: string, signal?: AbortSignal): Promise<StreamedResponse> {
    if (signal?.aborted) throw abortError();
    const key = originKey(origin);
    const reused = this.takeIdle(key);
    try {
      return await this.start(reused ?? this.connect(origin, key), head, signal, false).response;
    } catch (err) {
      // The server closed an idle connection as the request went out: once more, on a new one.
      if (reused && err instanceof StaleConnection) return await this.start(this.connect(origin, key), head, signal, false).response;
      throw err;
    }
  }

  /**
   * Starts a request whose body the caller writes (`head` declares its Content-Length). Not sent
   * again on a stale connection: the body is the caller's stream; the error is ECONNRESET.
   */
  send(origin: Origin, head: string, signal?: AbortSignal): OpenedRequest {
    const key = originKey(origin);
    const conn = this.takeIdle(key) ?? this.connect(origin, key);
    const started = this.start(conn, head, signal, true);
    // Awaited by the caller unless it fails first, and then it must not end the process.
    started.response.catch(() => {});
    return started as OpenedRequest;
  }

  close(): void {
    for (const c of this.open) c.socket.destroy();
    this.open.clear();
    this.idle.clear();
    this.sessions.clear();
  }

  private start(conn: Connection, head: string, signal: AbortSignal | undefined, withBody: boolean): { response: Promise<StreamedResponse>; body?: RequestBody } {
    const unregister = signal ? this.aborts.register(signal, { destroy: (err) => conn.socket.destroy(err) }) : undefined;
    return conn.request(head, unregister, withBody);
  }

  private connect(origin: Origin, key: string): Connection {
    const session = origin.tls ? this.sessions.get(key) : undefined;
    const conn = new Connection(origin, session, this.socketTimeoutMs ?? socketTimeoutMs(), this.buffers, {
      session: (s) => this.sessions.set(key, s),
      idle: (c) => {
        const list = this.idle.get(key) ?? [];
        if (list.length >= MAX_IDLE_PER_ENDPOINT) return void c.socket.destroy();
        list.push(c);
        this.idle.set(key, list);
      },
      gone: (c) => {
        this.open.delete(c);
        const list = this.idle.get(key);
        const at = list?.indexOf(c) ?? -1;
        if (at >= 0) list!.splice(at, 1);
      },
    });
    this.open.add(conn);
    return conn;
  }

  private takeIdle(key: string): Connection | undefined {
    const list = this.idle.get(key);
    for (let c = list?.pop(); c; c = list!.pop()) if (!c.socket.destroyed) return c;
    return undefined;
  }
}

const originKey = (o: Origin) => (o.tls ? `${o.hostname}:${o.port}|tls|${o.tls.key}` : `${o.hostname}:${o.port}`);

/** The connection closed before any byte of the answer, after serving earlier requests. */
class StaleConnection extends Error {
  readonly code = 'ECONNRESET';
}

interface Exchange {
  resolve(response: StreamedResponse): void;
  reject(err: Error): void;
  unregister: (() => void) | undefined;
  /** Whether any byte of the answer has arrived. */
  received: boolean;
  /** Whether the whole request (head and body) has been written. */
  sent: boolean;
  head: HeadReader;
  /** Set once the head has been parsed. */
  reading?: { framing: BodyFraming; remaining: number; chunked?: ChunkedDecoder; body: QueuedBody };
}

interface ConnectionHooks {
  idle(c: Connection): void;
  gone(c: Connection): void;
  /** A TLS session ticket to resume the next connection to the same origin with. */
  session(s: Buffer): void;
}

class Connection {
  readonly socket: net.Socket;
  private exchange: Exchange | undefined;
  private served = 0;
  private reusable = true;
  private error: Error | undefined;

  constructor(
    origin: Origin,
    session: Buffer | undefined,
    socketTimeoutMs: number,
    private readonly buffers: ReadBufferPool,
    private readonly hooks: ConnectionHooks,
  ) {
    const onread = { buffer: () => buffers.take(), callback: (n: number, buf: Buffer) => this.onRead(n, buf) };
    const { hostname: host, port } = origin;
    if (origin.tls) {
      // SNI names a host, never an address (RFC 6066).
      const servername = net.isIP(host) ? undefined : host;
      // TLSSocket passes onread to its socket (lib/_tls_wrap.js, since Node 15.x); @types/node does not list it.
      const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, servername, session, lookup: localhostLookup, onread, ...origin.tls.check };
      this.socket = tls.connect(options);
      this.socket.setNoDelay(true);
      this.socket.on('session', (s: Buffer) => hooks.session(s));
    } else {
      this.socket = net.connect({ host, port, lookup: localhostLookup, noDelay: true, onread });
    }
    this.socket.setTimeout(socketTimeoutMs);
    this.socket.on('timeout', () => this.socket.destroy(socketTimedOut(socketTimeoutMs)));
    this.socket.on('error', (err) => (this.error ??= err));
    this.socket.on('close', () => this.onClose());
  }

  /** The exchange under way, if any. */
  get current(): Exchange | undefined {
    return this.exchange;
  }

  request(head: string, unregister: (() => void) | undefined, withBody: boolean): { response: Promise<StreamedResponse>; body?: RequestBody } {
    let exchange!: Exchange;
    const response = new Promise<StreamedResponse>((resolve, reject) => {
      exchange = { resolve, reject, unregister, received: false, sent: !withBody, head: new HeadReader() };
    });
    this.exchange = exchange;
    this.socket.ref();
    this.socket.resume();
    if (!withBody) {
      this.socket.write(head, 'latin1');
      return { response };
    }
    return { response, body: new PlainRequestBody(this, exchange, head) };
  }

  private onRead(n: number, buf: Buffer): boolean {
    const ex = this.exchange;
    if (!ex) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy(new MalformedResponse('unsolicited bytes on an idle connection'));
      return false;
    }
    ex.received = true;
    try {
      if (ex.reading) return this.onBody(ex, buf, 0, n);
      const found = ex.head.push(buf.subarray(0, n));
      if (!found) {
        this.buffers.recycle(buf);
        return true;
      }
      this.startBody(ex, found.head);
      return this.onBody(ex, buf, found.bodyStart, n);
    } catch (err) {
      this.socket.destroy(err as Error);
      return false;
    }
  }

  private startBody(ex: Exchange, head: ResponseHead): void {
    const { framing } = head;
    if (!head.keepAlive) this.reusable = false;
    const body = new QueuedBody({
      resume: () => this.socket.resume(),
      abandon: () => this.socket.destroy(),
      // A length-framed body takes one view per read buffer, so a view's buffer is free once the view is.
      recycle: framing.kind === 'length' ? (chunk) => this.buffers.recycle(chunk) : undefined,
    });
    ex.reading = {
      framing,
      remaining: framing.kind === 'length' ? framing.length : 0,
      chunked: framing.kind === 'chunked' ? new ChunkedDecoder() : undefined,
      body,
    };
    ex.resolve({ status: head.status, headers: head.headers, body });
  }

  /** Passes body bytes [offset, n) of `buf` on; returns whether to keep reading. */
  private onBody(ex: Exchange, buf: Buffer, offset: number, n: number): boolean {
    const reading = ex.reading!;
    const { body } = reading;
    let more = true;
    switch (reading.framing.kind) {
      case 'length': {
        const take = Math.min(reading.remaining, n - offset);
        if (offset + take < n) this.reusable = false; // bytes past the body: out of step
        reading.remaining -= take;
        if (take > 0) more = body.push(buf.subarray(offset, offset + take));
        else this.buffers.recycle(buf);
        if (reading.remaining > 0) return more;
        break;
      }
      case 'chunked': {
        const { data, used } = reading.chunked!.push(buf.subarray(offset, n));
        for (const piece of data) more = body.push(piece) && more;
        if (!reading.chunked!.done) return more;
        if (offset + used < n) this.reusable = false;
        break;
      }
      case 'close':
        return n > offset ? body.push(buf.subarray(offset, n)) : true;
      default: {
        const unreachable: never = reading.framing;
        throw new Error(`unknown framing ${JSON.stringify(unreachable)}`);
      }
    }
    this.finish(ex);
    // Keep reading while idle, to notice the server closing the connection.
    return true;
  }

  private finish(ex: Exchange): void {
    this.exchange = undefined;
    ex.unregister?.();
    ex.reading!.body.end();
    this.served++;
    // Answered before its body was through (an early error): the rest of the body cannot follow.
    if (!ex.sent) this.reusable = false;
    if (!this.reusable || this.socket.destroyed) return void this.socket.destroy();
    this.socket.unref();
    this.hooks.idle(this);
  }

  private onClose(): void {
    this.hooks.gone(this);
    const ex = this.exchange;
    this.exchange = undefined;
    if (!ex) return;
    ex.unregister?.();
    if (!ex.reading) {
      const code = (this.error as NodeJS.ErrnoException | undefined)?.code;
      const stale = this.served > 0 && !ex.received && (code === undefined || code === 'ECONNRESET' || code === 'EPIPE');
      if (stale) return ex.reject(new StaleConnection('socket hang up'));
      return ex.reject(this.error ?? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    }
    if (ex.reading.framing.kind === 'close' && !this.error) return ex.reading.body.end();
    ex.reading.body.fail(this.error ?? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  }
}

/** A request body written straight to the connection's socket; the head goes out with the first chunk. */
class PlainRequestBody implements RequestBody {
  private head: string | undefined;
  private finished = false;

  constructor(
    private readonly conn: Connection,
    private readonly exchange: Exchange,
    head: string,
  ) {
    this.head = head;
  }

  get ended(): boolean {
    return this.finished;
  }

  write(chunk: Buffer, written?: Written): boolean {
    const { socket } = this.conn;
    if (this.head === undefined) return socket.write(chunk, written);
    // Head and first chunk in one write (writev), as node:http sends them.
    socket.cork();
    socket.write(this.head, 'latin1');
    this.head = undefined;
    const more = socket.write(chunk, written);
    socket.uncork();
    return more;
  }

  end(chunk?: Buffer, written?: Written): void {
    if (chunk) this.write(chunk, written);
    else if (this.head !== undefined) {
      this.conn.socket.write(this.head, 'latin1');
      this.head = undefined;
    }
    this.finished = true;
    this.exchange.sent = true;
  }

  drained(): Promise<void> {
    const { socket } = this.conn;
    if (socket.destroyed) return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    if (!socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        socket.off('drain', onDrain);
        reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      };
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });
  }

  destroy(err: Error): void {
    // Once answered and done, the connection may be serving another request.
    if (this.conn.current === this.exchange) this.conn.socket.destroy(err);
  }
}
