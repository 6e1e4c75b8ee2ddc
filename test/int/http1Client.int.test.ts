import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, afterEach, before, describe, it } from 'node:test';
import { Http1Client, type TlsOrigin } from '../../libs/http1/http1Client.js';
import { tlsCheckOptions, tlsKey } from '../../libs/http1/endpointTls.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';
import { SignedHttp } from '../../libs/s3/signedHttp.js';
import type { ResponseBody } from '../../libs/http1/responseBody.js';

/** What the server does with one request (once its body is in): `nth` counts requests on this connection from 1. */
type Script = (path: string, socket: net.Socket, nth: number, body: Buffer, head: string) => void;

/** A TCP server that answers each request it reads as the test's script says. */
async function scriptedServer(script: Script): Promise<{ port: number; connections(): number; requests(): number; dropConnections(): void; close(): Promise<void> }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    let nth = 0;
    let bodyLeft = 0;
    let body: Buffer[] = [];
    let path = '';
    let requestHead = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (;;) {
        if (bodyLeft > 0) {
          const take = Math.min(bodyLeft, pending.length);
          body.push(Buffer.from(pending.slice(0, take), 'latin1'));
          pending = pending.slice(take);
          bodyLeft -= take;
          if (bodyLeft > 0) return;
          script(path, socket, ++nth, Buffer.concat(body), requestHead);
          continue;
        }
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = (requestHead = pending.slice(0, end));
        pending = pending.slice(end + 4);
        requests++;
        path = head.split(' ')[1]!;
        bodyLeft = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        body = [];
        if (bodyLeft === 0) script(path, socket, ++nth, Buffer.alloc(0), head);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests: () => requests,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const head = (path: string) => `GET ${path} HTTP/1.1\r\nhost: test\r\n\r\n`;
const ok = (body: Buffer, extra = '') => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n`), body]);

async function readAll(body: ResponseBody, recycle = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    chunks.push(recycle ? Buffer.from(chunk) : chunk);
    if (recycle) body.recycle?.(chunk);
  }
  return Buffer.concat(chunks);
}

/** Writes `data` in pieces of `size` bytes, one per turn of the event loop. */
function dribble(socket: net.Socket, data: Buffer, size: number): void {
  const step = (at: number) => {
    if (at >= data.length || socket.destroyed) return;
    socket.write(data.subarray(at, at + size));
    setImmediate(step, at + size);
  };
  step(0);
}

describe('Http1Client against a scripted server', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  const client = new Http1Client();
  const serve = async (script: Script) => {
    const s = await scriptedServer(script);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    client.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => client.close());

  it('serves GETs one after another over one keep-alive connection, heads and bodies cut into small pieces', async () => {
    const bodies = [randomBytes(100_000), Buffer.alloc(0), randomBytes(70_000)];
    const server = await serve((path, socket) => dribble(socket, ok(bodies[Number(path.slice(1))]!, 'ETag: "x"\r\n'), 7_001));
    for (const [i, expected] of bodies.entries()) {
      const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head(`/${i}`));
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, '"x"');
      assert.deepEqual(await readAll(res.body), expected);
      assert.equal(res.body.complete, true);
    }
    assert.equal(server.connections(), 1);
  });

  it('delivers the exact bytes of concurrent large bodies while their read buffers are recycled', async () => {
    const bodies = Array.from({ length: 12 }, () => randomBytes(3 * 1024 * 1024 + 17));
    const server = await serve((path, socket) => socket.write(ok(bodies[Number(path.slice(1))]!)));
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(
        bodies.map(async (_, i) => {
          const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head(`/${i}`));
          return readAll(res.body, i % 2 === 0);
        }),
      );
      assert.deepEqual(got.map(md5), bodies.map(md5));
    }
    assert.equal(server.connections(), bodies.length);
  });

  it('decodes a chunked error answer and keeps the connection for the next request', async () => {
    const xml = '<Error><Code>AccessDenied</Code><Message>no</Message></Error>';
    const server = await serve((path, socket, nth) => {
      if (nth === 1) socket.write(`HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n${xml.length.toString(16)}\r\n${xml}\r\n0\r\n\r\n`);
      else socket.write(ok(Buffer.from('after')));
    });
    const denied = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/a'));
    assert.equal(denied.status, 403);
    assert.equal((await readAll(denied.body)).toString(), xml);
    const next = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/b'));
    assert.equal((await readAll(next.body)).toString(), 'after');
    assert.equal(server.connections(), 1);
  });

  it('skips an interim 100 Continue and reads the answer after it', async () => {
    const server = await serve((_, socket) => socket.write(Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), ok(Buffer.from('body'))])));
    const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/a'));
    assert.equal(res.status, 200);
    assert.equal((await readAll(res.body)).toString(), 'body');
  });

  it('fails a body the server cut short as a reset connection, and the body is not complete', async () => {
    const server = await serve((_, socket) => {
      socket.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'));
      socket.end(randomBytes(5000));
    });
    const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/a'));
    await assert.rejects(readAll(res.body), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(res.body.complete, false);
  });

  it('sends once more on a new connection when the server dropped the idle one unanswered', async () => {
    const server = await serve((_, socket, nth) => (nth === 1 ? socket.write(ok(Buffer.from('one'))) : socket.destroy()));
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/1'))).body)).toString(), 'one');
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/2'))).body)).toString(), 'one');
    assert.equal(server.connections(), 2);
  });

  it('does not send again when a new connection fails, nor after part of an answer', async () => {
    const dropped = await serve((_, socket) => socket.destroy());
    await assert.rejects(client.get({ hostname: '127.0.0.1', port: dropped.port }, head('/a')), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(dropped.requests(), 1);

    const halfHead = await serve((_, socket, nth) => (nth === 1 ? socket.write(ok(Buffer.from('one'))) : socket.end('HTTP/1.1 200 OK\r\nContent-Le')));
    await readAll((await client.get({ hostname: '127.0.0.1', port: halfHead.port }, head('/1'))).body);
    await assert.rejects(client.get({ hostname: '127.0.0.1', port: halfHead.port }, head('/2')), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(halfHead.requests(), 2);
  });

  it('aborts a request waiting for its answer, and one whose body is arriving', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await serve((path, socket) => {
      if (path === '/body') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      arrived();
    });
    const waiting = new AbortController();
    const pending = client.get({ hostname: '127.0.0.1', port: server.port }, head('/silent'), waiting.signal);
    await requestArrived;
    waiting.abort();
    await assert.rejects(pending, { name: 'AbortError' });

    const streaming = new AbortController();
    const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/body'), streaming.signal);
    const reading = readAll(res.body);
    streaming.abort();
    await assert.rejects(reading, { name: 'AbortError' });
    await assert.rejects(client.get({ hostname: '127.0.0.1', port: server.port }, head('/x'), streaming.signal), { name: 'AbortError' });
  });

  it('reads a body framed by the connection closing, and does not reuse that connection', async () => {
    const server = await serve((_, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'));
    for (let i = 0; i < 2; i++) {
      const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/a'));
      assert.equal((await readAll(res.body)).toString(), 'until close');
      assert.equal(res.body.complete, true);
    }
    assert.equal(server.connections(), 2);
  });

  it('does not reuse a connection the server said it will close', async () => {
    const server = await serve((_, socket) => socket.write(ok(Buffer.from('x'), 'Connection: close\r\n')));
    await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/1'))).body);
    await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/2'))).body);
    assert.equal(server.connections(), 2);
  });

  it('refuses an answer that is not HTTP', async () => {
    const server = await serve((_, socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await assert.rejects(client.get({ hostname: '127.0.0.1', port: server.port }, head('/a')), { code: 'HPE_INVALID_RESPONSE' });
  });

  it('refuses Transfer-Encoding with Content-Length and does not use that connection again', async () => {
    const server = await serve((path, socket) =>
      socket.write(path === '/smuggled' ? 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' : ok(Buffer.from('fine'))),
    );
    await assert.rejects(client.get({ hostname: '127.0.0.1', port: server.port }, head('/smuggled')), { code: 'HPE_INVALID_RESPONSE', message: /Transfer-Encoding/ });
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/next'))).body)).toString(), 'fine');
    assert.equal(server.connections(), 2);
  });

  it('fails a body whose chunk framing is malformed and closes its connection', async () => {
    const server = await serve((path, socket) => socket.write(path === '/bad' ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n' : ok(Buffer.from('fine'))));
    const res = await client.get({ hostname: '127.0.0.1', port: server.port }, head('/bad'));
    await assert.rejects(readAll(res.body), { code: 'HPE_INVALID_RESPONSE', message: /chunk size/ });
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/next'))).body)).toString(), 'fine');
    assert.equal(server.connections(), 2);
  });

  it('fails a request whose server goes silent, after the socket timeout', async () => {
    const impatient = new Http1Client(200);
    try {
      const server = await serve(() => {});
      await assert.rejects(impatient.get({ hostname: '127.0.0.1', port: server.port }, head('/a')), { code: 'ETIMEDOUT' });
    } finally {
      impatient.close();
    }
  });

  const put = (path: string, length: number) => `PUT ${path} HTTP/1.1\r\nhost: test\r\ncontent-length: ${length}\r\n\r\n`;

  it('sends a request body written in chunks, and keeps the connection once it is answered', async () => {
    const received: Buffer[] = [];
    const server = await serve((_, socket, _nth, body) => {
      received.push(body);
      socket.write(ok(Buffer.alloc(0), `ETag: "${createHash('md5').update(body).digest('hex')}"\r\n`));
    });
    const payload = randomBytes(300_000);
    for (let i = 0; i < 2; i++) {
      const request = client.send({ hostname: '127.0.0.1', port: server.port }, put('/b/k', payload.length));
      let flushed = 0;
      for (let at = 0; at < payload.length; at += 65_536) {
        const chunk = payload.subarray(at, at + 65_536);
        const last = at + 65_536 >= payload.length;
        if (last) request.body.end(chunk, (err) => void (err || flushed++));
        else if (!request.body.write(chunk, (err) => void (err || flushed++))) await request.body.drained();
      }
      const res = await request.response;
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, `"${createHash('md5').update(payload).digest('hex')}"`);
      assert.equal(flushed, Math.ceil(payload.length / 65_536));
      assert.equal(request.body.ended, true);
    }
    assert.deepEqual(received, [payload, payload]);
    assert.equal(server.connections(), 1);
  });

  it('sends the head alone for an empty body', async () => {
    const server = await serve((_, socket, _nth, body) => socket.write(ok(Buffer.from(String(body.length)))));
    const request = client.send({ hostname: '127.0.0.1', port: server.port }, put('/b/empty', 0));
    request.body.end();
    assert.equal((await readAll((await request.response).body)).toString(), '0');
  });

  it('takes an answer that comes before the body is through, and does not reuse that connection', async () => {
    const server = await serve((path, socket) => {
      if (path === '/denied') socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      else socket.write(ok(Buffer.from('fine')));
    });
    // The server answers on the head alone: the script runs once the declared body is in, so declare none.
    const denied = client.send({ hostname: '127.0.0.1', port: server.port }, `PUT /denied HTTP/1.1\r\nhost: test\r\n\r\n`);
    denied.body.write(Buffer.from('partial'));
    const res = await denied.response;
    assert.equal(res.status, 403);
    await readAll(res.body);
    denied.body.destroy(new Error('stopped writing'));
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port: server.port }, head('/next'))).body)).toString(), 'fine');
    assert.equal(server.connections(), 2);
  });

  it('fails the answer and the wait for drain when the server drops the connection mid-body', async () => {
    const server = await serve(() => {});
    const request = client.send({ hostname: '127.0.0.1', port: server.port }, put('/b/k', 50_000_000));
    const chunk = Buffer.alloc(1 << 20);
    let accepted = 0;
    const writing = (async () => {
      for (;;) {
        if (!request.body.write(chunk)) await request.body.drained();
        if (++accepted === 4) server.dropConnections();
      }
    })();
    await assert.rejects(request.response, (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || err.code === 'EPIPE');
    await assert.rejects(writing);
  });
});

describe('SignedHttp over plain HTTP', () => {
  it('sends object GETs and PUTs signed, through the client that recycles read buffers', async () => {
    const heads: string[] = [];
    const server = await scriptedServer((_, socket, _nth, body, head) => {
      heads.push(head);
      socket.write(ok(body.length > 0 ? Buffer.alloc(0) : Buffer.from('object')));
    });
    const http = new SignedHttp();
    try {
      const endpoint = { endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', accessKey: 'AKID', secretKey: 'SECRET' };
      const got = await http.get(endpoint, { bucket: 'b', key: 'a key' });
      assert.equal(typeof got.body.recycle, 'function', 'a GET answered by node:http would have no recycle');
      assert.equal((await readAll(got.body)).toString(), 'object');
      const put = http.upload(endpoint, { method: 'PUT', bucket: 'b', key: 'k', headers: { 'content-length': '4' } });
      put.body.end(Buffer.from('data'));
      const answer = await put.response;
      assert.equal(typeof answer.body.recycle, 'function', 'a PUT answered by node:http would have no recycle');
      assert.match(heads[0]!, /^GET \/b\/a%20key HTTP\/1\.1\r\n/);
      assert.match(heads[1]!, /^PUT \/b\/k HTTP\/1\.1\r\n/);
      for (const head of heads) assert.match(head, /\r\nauthorization: AWS4-HMAC-SHA256 Credential=AKID\//);
      assert.equal(server.connections(), 1);
    } finally {
      http.close();
      await server.close();
    }
  });
});

describe('Http1Client over TLS (a server certificate from a CA made in the test)', () => {
  const tmp = makeTempDir('http1-tls');
  let certs: TestCertificates;
  let server: https.Server;
  let port: number;
  const handshakes: Array<{ resumed: boolean }> = [];
  const client = new Http1Client();

  before(async () => {
    certs = await makeTestCertificates(tmp.path);
    server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`));
    });
    server.on('secureConnection', (socket: TLSSocket) => handshakes.push({ resumed: socket.isSessionReused() }));
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    tmp.remove();
  });

  const trusted = (): TlsOrigin => ({ check: tlsCheckOptions({ ca: certs.caPem }), key: tlsKey({ ca: certs.caPem }) });

  it('reads answers over one kept-alive TLS connection, and resumes the session on the next one', async () => {
    const origin = { hostname: '127.0.0.1', port, tls: trusted() };
    const before = handshakes.length;
    for (const path of ['/a', '/b', '/c']) assert.equal((await readAll((await client.get(origin, head(path))).body)).toString(), `GET ${path} 0`);
    assert.equal(handshakes.length - before, 1, 'one connection for requests one after another');

    // Two at once need a second connection: it resumes the first one's session.
    const both = await Promise.all(['/d', '/e'].map(async (p) => (await readAll((await client.get(origin, head(p))).body)).toString()));
    assert.deepEqual(both, ['GET /d 0', 'GET /e 0']);
    assert.equal(handshakes.length - before, 2);
    assert.equal(handshakes.at(-1)!.resumed, true, 'the second connection resumed the TLS session');
  });

  it('writes a request body over TLS', async () => {
    const payload = randomBytes(300_000);
    const request = client.send({ hostname: '127.0.0.1', port, tls: trusted() }, `PUT /b/k HTTP/1.1\r\nhost: test\r\ncontent-length: ${payload.length}\r\n\r\n`);
    request.body.end(payload);
    assert.equal((await readAll((await request.response).body)).toString(), `PUT /b/k ${payload.length}`);
  });

  it('refuses a certificate its CA is not trusted for, and pools connections apart per check', async () => {
    await assert.rejects(client.get({ hostname: '127.0.0.1', port, tls: { check: {}, key: '' } }, head('/x')), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const unchecked = { check: tlsCheckOptions({ insecureSkipVerify: true }), key: tlsKey({ insecureSkipVerify: true }) };
    // A trusted connection left idle right before: pooled by host alone, the next request would take it.
    await readAll((await client.get({ hostname: '127.0.0.1', port, tls: trusted() }, head('/idle'))).body);
    const before = handshakes.length;
    assert.equal((await readAll((await client.get({ hostname: '127.0.0.1', port, tls: unchecked }, head('/y'))).body)).toString(), 'GET /y 0');
    assert.equal(handshakes.length - before, 1, 'not served by a connection checked another way');
  });
});
