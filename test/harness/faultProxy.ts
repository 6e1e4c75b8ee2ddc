/**
 * A reverse proxy in front of an S3 endpoint that injects faults: 503s, connection
 * resets, latency, corrupted bodies (of every object or of chosen keys), refused writes
 * and a store that fills up. Faults are drawn from a seeded generator so a test sees
 * the same sequence on every run.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { seededRandom } from './seededRandom.js';

export interface Faults {
  /** Share of requests answered 503 SlowDown-style without reaching the target. */
  error503Rate: number;
  /** Share of requests whose connection is destroyed without an answer. */
  resetRate: number;
  /** Delay added before each request is handled. */
  latencyMs: number;
  /** Flip one byte in PUT request bodies and GET response bodies passing through. */
  corruptBodies: boolean;
  /** Corrupt object bodies only: leave listings and other query-string requests intact. */
  corruptObjectsOnly: boolean;
  /** With corruptBodies: corrupt only the bodies of these object keys (every time, so retries cannot heal them). */
  corruptKeys?: (key: string) => boolean;
  /** Answer writes (PUT, POST, DELETE) with 403 AccessDenied. */
  denyWrites: boolean;
  /** The store fills up: this many object PUTs reach it, then every PUT and POST gets `fullAnswer`. */
  fullAfterWrites: number;
  /** What a full store answers (default MinIO's 507 XMinioStorageFull). */
  fullAnswer: StoreFullAnswer;
  /** Seed of the generator behind the rates; setting it restarts the sequence. */
  seed: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Changes faults; setting `seed` restarts the random sequence, setting `fullAfterWrites` starts its count again. */
  setFaults(f: Partial<Faults>): void;
  stats(): { requests: number; faulted: number };
  /** Most object PUTs (not part or tagging requests) that were ever in progress at once. */
  maxPutsInFlight(): number;
  /** "METHOD path?query" of every request seen, in arrival order. */
  requestLog(): string[];
  stop(): Promise<void>;
}

export interface StoreFullAnswer {
  status: number;
  code: string;
  message: string;
}

/** What real stores answer when full or over quota. */
export const STORE_FULL_ANSWERS = {
  minio: { status: 507, code: 'XMinioStorageFull', message: 'Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.' },
  quota: { status: 403, code: 'QuotaExceeded', message: 'Quota exceeded' },
} as const satisfies Record<string, StoreFullAnswer>;

const NO_FAULTS: Faults = {
  error503Rate: 0,
  resetRate: 0,
  latencyMs: 0,
  corruptBodies: false,
  corruptObjectsOnly: false,
  denyWrites: false,
  fullAfterWrites: Number.POSITIVE_INFINITY,
  fullAnswer: STORE_FULL_ANSWERS.minio,
  seed: 1,
};

/** A seeded share of keys, chosen by a hash of seed and key (the same keys whatever order they are seen in). */
export function keySample(rate: number, seed: number): (key: string) => boolean {
  return (key) => createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) / 0x1_0000_0000 < rate;
}

/** The object key of a path-style request (`/bucket/key?query`), undefined for bucket-level requests. */
function objectKeyOf(url: string): string | undefined {
  const path = url.split('?')[0]!;
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined;
  const key = path.slice(slash + 1);
  try {
    return decodeURIComponent(key);
  } catch {
    return key; // not valid percent-encoding: the raw path is all there is
  }
}


function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** Flips the first byte of the first non-empty chunk; returns whether it did. */
function corruptOnce(): (chunk: Buffer) => boolean {
  let done = false;
  return (chunk) => {
    if (done || chunk.length === 0) return false;
    chunk[0] = chunk[0]! ^ 0xff;
    done = true;
    return true;
  };
}

export interface FaultProxyOptions {
  /** Checks each request first (e.g. its SigV4 signature, which s3rver does not): a refusal is answered as S3's error. */
  authorize?: (req: IncomingMessage) => Promise<{ status: number; code: string; message: string } | undefined>;
}

export async function startFaultProxy(target: string, faults: Partial<Faults> = {}, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  // A fresh upstream connection per request: a pooled one can be closed by the target's idle timeout
  // just as it is reused, and that reset would reach the client as a fault nobody injected.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 256 });
  let current: Faults = { ...NO_FAULTS, ...faults };
  let random = seededRandom(current.seed);
  let requests = 0;
  let faulted = 0;
  const log: string[] = [];
  let putsInFlight = 0;
  let maxPutsInFlight = 0;
  let objectPutsAdmitted = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests++;
    log.push(`${req.method} ${req.url}`);
    const objectPut = req.method === 'PUT' && !(req.url ?? '').includes('?');
    if (objectPut) {
      maxPutsInFlight = Math.max(maxPutsInFlight, ++putsInFlight);
      res.once('close', () => putsInFlight--);
    }
    const refusal = await options.authorize?.(req);
    if (refusal) {
      req.resume();
      res.writeHead(refusal.status, { 'content-type': 'application/xml' }).end(errorXml(refusal.code, refusal.message));
      return;
    }
    const f = current;
    if (f.latencyMs > 0) await delay(f.latencyMs);
    const roll = random();
    if (roll < f.resetRate) {
      faulted++;
      req.socket.destroy();
      return;
    }
    if (roll < f.resetRate + f.error503Rate) {
      faulted++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' }).end(errorXml('ServiceUnavailable', 'Please reduce your request rate.'));
      return;
    }
    if (f.denyWrites && (req.method === 'PUT' || req.method === 'POST' || req.method === 'DELETE')) {
      faulted++;
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml', connection: 'close' }).end(errorXml('AccessDenied', 'Access Denied'));
      return;
    }
    if ((req.method === 'PUT' || req.method === 'POST') && objectPutsAdmitted >= f.fullAfterWrites) {
      faulted++;
      req.resume();
      const { status, code, message } = f.fullAnswer;
      res.writeHead(status, { 'content-type': 'application/xml', connection: 'close' }).end(errorXml(code, message));
      return;
    }
    if (objectPut) objectPutsAdmitted++;
    const key = f.corruptKeys ? objectKeyOf(req.url ?? '/') : undefined;
    const corruptThis = f.corruptBodies && (!f.corruptKeys || (key !== undefined && f.corruptKeys(key)));
    const out = http.request({
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    });
    out.on('error', () => res.destroy());
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const objectRequest = !(req.url ?? '').includes('?') || !f.corruptObjectsOnly;
      const corrupt = corruptThis && objectRequest && req.method === 'GET' && answer.statusCode === 200 ? corruptOnce() : undefined;
      answer.on('data', (chunk: Buffer) => {
        if (corrupt?.(chunk)) faulted++;
        if (!res.write(chunk)) {
          answer.pause();
          res.once('drain', () => answer.resume());
        }
      });
      answer.on('end', () => res.end());
      answer.on('error', () => res.destroy());
    });
    const corrupt = corruptThis && req.method === 'PUT' ? corruptOnce() : undefined;
    req.on('data', (chunk: Buffer) => {
      if (corrupt?.(chunk)) faulted++;
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    });
    req.on('end', () => out.end());
    req.on('error', () => out.destroy());
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setFaults(f) {
      current = { ...current, ...f };
      if (f.seed !== undefined) random = seededRandom(f.seed);
      if (f.fullAfterWrites !== undefined) objectPutsAdmitted = 0;
    },
    stats: () => ({ requests, faulted }),
    maxPutsInFlight: () => maxPutsInFlight,
    requestLog: () => [...log],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
