/**
 * Feeds the same response bytes to Ferry's Http1Client and to node:http's client (llhttp),
 * each reading from a local server that writes the bytes in the case's pieces and then closes
 * the connection, and compares what they make of them: refused by both, or accepted by both
 * with the same status, headers (as node:http merges them) and body.
 *
 * Both read the whole path a copy takes: a real socket, the client's read loop, the head and
 * body parsers, the end of the connection. Intentional differences, not compared:
 * - Bytes after a complete response. Ferry closes the connection without reading them; node:http
 *   parses them as the next message and reports an error on the request when they are not HTTP,
 *   but only if they came in the same read as the response's end. The response itself is read
 *   alike, so a request error after the response is complete is not a refusal.
 * - Trailers. node:http lists them in res.trailers; Ferry checks them as llhttp does but keeps
 *   none, since no caller reads them.
 * - Why a response was refused: Ferry's codes are coarser than llhttp's (HPE_INVALID_RESPONSE for
 *   most), and a response refused by both is a match whatever each said.
 */
import { isDeepStrictEqual } from 'node:util';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Http1Client } from '../../libs/http1/http1Client.js';
import type { FuzzCase } from './httpResponses.js';

export type Outcome = { accepted: true; status: number; headers: IncomingHttpHeaders; body: Buffer } | { accepted: false; error: string };

export interface Comparison {
  ferry: Outcome;
  node: Outcome;
  agree: boolean;
}

/** A local server that answers a request for /<id> with the pieces of the case registered under that id, then closes. */
export class Responder {
  private readonly cases = new Map<string, FuzzCase>();
  private nextId = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Responder> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const responder = new Responder(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => responder.answer(socket));
    return responder;
  }

  /** Registers a case for one request; the path to ask for. */
  register(fuzzCase: FuzzCase): string {
    const id = String(this.nextId++);
    this.cases.set(id, fuzzCase);
    return `/${id}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(socket: net.Socket): void {
    socket.on('error', () => {});
    let request = '';
    const onData = (data: Buffer) => {
      request += data.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      // Keep reading (and dropping) what comes later, so that closing sends FIN, not RST.
      socket.off('data', onData);
      socket.on('data', () => {});
      const id = /^GET \/(\d+) /.exec(request)?.[1] ?? '';
      const fuzzCase = this.cases.get(id);
      this.cases.delete(id);
      if (!fuzzCase) return void socket.destroy();
      void writePieces(socket, fuzzCase);
    };
    socket.on('data', onData);
  }
}

async function writePieces(socket: net.Socket, { bytes, cuts }: FuzzCase): Promise<void> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) {
      await new Promise<void>((resolve) => socket.write(bytes.subarray(from, cut), () => resolve()));
      // A turn of the event loop between writes, so that most pieces arrive as separate reads.
      await nextTurn();
      from = cut;
    }
  }
  socket.end();
}

/** What Ferry's Http1Client reads from `path`. */
export async function readWithFerry(port: number, path: string): Promise<Outcome> {
  const client = new Http1Client(10_000);
  try {
    const res = await client.get({ hostname: '127.0.0.1', port }, `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
    return { accepted: true, status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
  } catch (err) {
    return { accepted: false, error: describe(err) };
  } finally {
    client.close();
  }
}

/** What node:http's client (llhttp, default options) reads from `path`. */
export function readWithNode(port: number, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let res: http.IncomingMessage | undefined;
    const refuse = (err: unknown) => resolve({ accepted: false, error: describe(err) });
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (response) => {
      res = response;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.complete) resolve({ accepted: true, status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) });
        else refuse(new Error('response ended incomplete'));
      });
      response.on('error', refuse);
    });
    req.on('error', (err) => {
      if (!res?.complete) refuse(err);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    // A 101 that switches protocols: node:http closes the socket and says nothing else.
    req.on('close', () => {
      if (!res) refuse(new Error('closed without a response'));
    });
    req.end();
  });
}

/** Runs one case through both clients at once. */
export async function compareCase(responder: Responder, fuzzCase: FuzzCase): Promise<Comparison> {
  const [ferry, node] = await Promise.all([readWithFerry(responder.port, responder.register(fuzzCase)), readWithNode(responder.port, responder.register(fuzzCase))]);
  return { ferry, node, agree: agree(ferry, node) };
}

function agree(ferry: Outcome, node: Outcome): boolean {
  if (!ferry.accepted || !node.accepted) return ferry.accepted === node.accepted;
  return ferry.status === node.status && isDeepStrictEqual({ ...ferry.headers }, { ...node.headers }) && ferry.body.equals(node.body);
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ''}` : String(e.message ?? err);
}

/** An outcome as JSON, bodies shortened. */
export function outcomeJson(outcome: Outcome): unknown {
  if (!outcome.accepted) return outcome;
  const body = outcome.body.toString('latin1');
  return { ...outcome, body: body.length > 200 ? `${body.slice(0, 200)}… (${body.length} bytes)` : body };
}
