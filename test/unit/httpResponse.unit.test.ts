import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedDecoder } from '../../libs/http1/chunkedDecoder.js';
import { QueuedBody } from '../../libs/http1/responseBody.js';
import { HeadReader, MalformedResponse, bodyFraming, parseResponseHead } from '../../libs/http1/responseHead.js';
import { requestHead } from '../../libs/s3/signedHttp.js';

describe('parseResponseHead', () => {
  it('reads the status and lower-cases header names', () => {
    const head = parseResponseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 12\r\nETag: "abc"\r\nx-amz-meta-Colour: blue');
    assert.equal(head.status, 206);
    assert.deepEqual(head.headers, { 'content-length': '12', etag: '"abc"', 'x-amz-meta-colour': 'blue' });
  });

  it('accepts a status line without a reason phrase, and trims optional whitespace around values', () => {
    const head = parseResponseHead('HTTP/1.0 200\r\nServer:   s3  \r\nx-amz-id-2:x');
    assert.equal(head.status, 200);
    assert.deepEqual(head.headers, { server: 's3', 'x-amz-id-2': 'x' });
  });

  it('merges repeated headers as node:http does: joined, first wins, or a list', () => {
    const head = parseResponseHead(
      'HTTP/1.1 200 OK\r\nx-amz-meta-a: 1\r\nx-amz-meta-a: 2\r\nETag: "first"\r\nETag: "second"\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\nContent-Length: 5',
    );
    assert.deepEqual(head.headers, { 'x-amz-meta-a': '1, 2', etag: '"first"', 'set-cookie': ['a=1', 'b=2'], 'content-length': '5' });
  });

  it('joins an obsolete folded line to the header it continues', () => {
    assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nx-amz-meta-note: one\r\n  two').headers['x-amz-meta-note'], 'one two');
  });

  it('refuses what is not an HTTP/1.x head', () => {
    assert.throws(() => parseResponseHead('SSH-2.0-OpenSSH_9.2'), MalformedResponse);
    assert.throws(() => parseResponseHead('HTTP/2 200'), MalformedResponse);
    assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nno colon here'), MalformedResponse);
    assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nbad name: x'), MalformedResponse);
    assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6'), /conflicting Content-Length/);
  });
});

describe('HeadReader', () => {
  const response = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\nETag: "e"\r\n\r\nbody');

  it('finds the head and where the body starts however the bytes are cut, skipping the interim answer', () => {
    for (let cut = 0; cut <= response.length; cut++) {
      const reader = new HeadReader();
      const first = reader.push(response.subarray(0, cut));
      const found = first ?? reader.push(response.subarray(cut));
      const rest = first ? response.subarray(first.bodyStart) : response.subarray(cut).subarray(found!.bodyStart);
      assert.equal(found!.head.status, 200, `cut at ${cut}`);
      assert.equal(found!.head.headers.etag, '"e"', `cut at ${cut}`);
      assert.equal(rest.toString(), 'body', `cut at ${cut}`);
    }
  });

  it('refuses a head that never ends', () => {
    const reader = new HeadReader();
    reader.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    assert.throws(() => {
      for (let i = 0; i < 100; i++) reader.push(Buffer.from(`x-amz-meta-${i}: ${'v'.repeat(1000)}\r\n`));
    }, /head too large/);
  });
});

describe('bodyFraming', () => {
  const framing = (status: number, headers: Record<string, string>) => bodyFraming({ status, headers });
  it('frames by Content-Length, by chunks when Transfer-Encoding ends in chunked, otherwise by the connection closing', () => {
    assert.deepEqual(framing(200, { 'content-length': '1048576' }), { kind: 'length', length: 1048576 });
    assert.deepEqual(framing(403, { 'transfer-encoding': 'chunked', 'content-length': '10' }), { kind: 'chunked' });
    assert.deepEqual(framing(200, { 'transfer-encoding': 'gzip, chunked' }), { kind: 'chunked' });
    assert.deepEqual(framing(200, { 'transfer-encoding': 'gzip' }), { kind: 'close' });
    assert.deepEqual(framing(200, {}), { kind: 'close' });
  });
  it('gives 204 and 304 no body whatever their headers say', () => {
    assert.deepEqual(framing(204, { 'content-length': '10' }), { kind: 'length', length: 0 });
    assert.deepEqual(framing(304, { 'transfer-encoding': 'chunked' }), { kind: 'length', length: 0 });
  });
  it('refuses a Content-Length that is not a decimal number', () => {
    assert.throws(() => framing(200, { 'content-length': '-1' }), MalformedResponse);
    assert.throws(() => framing(200, { 'content-length': '0x10' }), MalformedResponse);
  });
});

describe('ChunkedDecoder', () => {
  const encoded = Buffer.from('5;ext=1\r\nhello\r\n7\r\n, world\r\nA \r\n0123456789\r\n0\r\nx-trailer: t\r\n\r\nNEXT');

  it('decodes a body cut at every possible point, and stops at its end', () => {
    for (let cut = 0; cut <= encoded.length; cut++) {
      const decoder = new ChunkedDecoder();
      const first = decoder.push(encoded.subarray(0, cut));
      const second = decoder.push(encoded.subarray(cut));
      assert.equal(Buffer.concat([...first.data, ...second.data]).toString(), 'hello, world0123456789', `cut at ${cut}`);
      assert.equal(decoder.done, true);
      assert.equal(first.used + second.used, encoded.length - 'NEXT'.length, `cut at ${cut}`);
    }
  });

  it('decodes one byte at a time', () => {
    const decoder = new ChunkedDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < encoded.length && !decoder.done; i++) out.push(...decoder.push(encoded.subarray(i, i + 1)).data);
    assert.equal(Buffer.concat(out).toString(), 'hello, world0123456789');
  });

  it('is not done before the last chunk', () => {
    const decoder = new ChunkedDecoder();
    decoder.push(Buffer.from('5\r\nhello\r\n'));
    assert.equal(decoder.done, false);
  });

  it('refuses malformed framing', () => {
    assert.throws(() => new ChunkedDecoder().push(Buffer.from('zz\r\n')), MalformedResponse);
    assert.throws(() => new ChunkedDecoder().push(Buffer.from('2\r\nabX\r\n')), /not followed by CRLF/);
    assert.throws(() => new ChunkedDecoder().push(Buffer.alloc(5000, '1')), /too long/);
  });
});

describe('QueuedBody', () => {
  const hooks = () => {
    const calls = { resume: 0, abandon: 0 };
    return { calls, hooks: { resume: () => void calls.resume++, abandon: () => void calls.abandon++ } };
  };
  const drain = async (body: QueuedBody) => {
    const out: string[] = [];
    for await (const chunk of body) out.push(chunk.toString());
    return out;
  };

  it('yields chunks in order, whether they came before or after the reader asked, then completes', async () => {
    const { hooks: h } = hooks();
    const body = new QueuedBody(h);
    body.push(Buffer.from('a'));
    const reading = drain(body);
    await Promise.resolve();
    body.push(Buffer.from('b'));
    body.end();
    assert.deepEqual(await reading, ['a', 'b']);
    assert.equal(body.complete, true);
  });

  it('asks to pause once two chunks wait, and to resume when the reader catches up', async () => {
    const { calls, hooks: h } = hooks();
    const body = new QueuedBody(h);
    assert.equal(body.push(Buffer.from('a')), true);
    assert.equal(body.push(Buffer.from('b')), false);
    await body.next();
    assert.equal(calls.resume, 1);
  });

  it('hands over queued chunks before the failure that followed them, and is then not complete', async () => {
    const { hooks: h } = hooks();
    const body = new QueuedBody(h);
    body.push(Buffer.from('a'));
    body.fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of body) seen.push(chunk.toString());
    }, /aborted/);
    assert.deepEqual(seen, ['a']);
    assert.equal(body.complete, false);
  });

  it('abandons the connection when the reader stops early, not when the body is complete', async () => {
    const early = hooks();
    const stopped = new QueuedBody(early.hooks);
    stopped.push(Buffer.from('a'));
    for await (const _ of stopped) break;
    assert.equal(early.calls.abandon, 1);

    const done = hooks();
    const complete = new QueuedBody(done.hooks);
    complete.push(Buffer.from('a'));
    complete.end();
    for await (const _ of complete) break;
    complete.destroy();
    assert.equal(done.calls.abandon, 0);
  });
});

describe('requestHead', () => {
  it('writes the request line and headers', () => {
    assert.equal(requestHead('GET', '/b/k%20x?versionId=1', { host: 'h:9000', 'x-amz-date': '20260101T000000Z' }), 'GET /b/k%20x?versionId=1 HTTP/1.1\r\nhost: h:9000\r\nx-amz-date: 20260101T000000Z\r\n\r\n');
  });
  it('refuses what would split the request: CR or LF in a value, a bad name, an unescaped path', () => {
    assert.throws(() => requestHead('GET', '/b/k', { 'x-amz-meta-a': 'x\r\nInjected: 1' }), /invalid character in header "x-amz-meta-a"/);
    assert.throws(() => requestHead('GET', '/b/k', { 'bad name': 'x' }), /invalid character/);
    assert.throws(() => requestHead('GET', '/b/k x', {}), /unescaped/);
  });
});
