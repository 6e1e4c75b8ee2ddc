import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedDecoder } from '../../libs/http1/chunkedDecoder.js';
import { MAX_HEAD_BYTES } from '../../libs/http1/headerLines.js';
import { MalformedResponse } from '../../libs/http1/malformedResponse.js';
import { QueuedBody } from '../../libs/http1/responseBody.js';
import { HeadReader, type ResponseHead } from '../../libs/http1/responseHead.js';
import { requestHead } from '../../libs/s3/signedHttp.js';

/** The head `text` (closing blank line included) reads as, in one piece. */
function readHead(text: string): ResponseHead {
  const found = new HeadReader().push(Buffer.from(text, 'latin1'));
  assert.ok(found, `head incomplete: ${JSON.stringify(text)}`);
  return found.head;
}

/** The data of a chunked body, in one piece. */
function decode(text: string): string {
  const decoder = new ChunkedDecoder();
  const { data } = decoder.push(Buffer.from(text, 'latin1'));
  assert.equal(decoder.done, true, `body incomplete: ${JSON.stringify(text)}`);
  return Buffer.concat(data).toString('latin1');
}

const refusedHead = (text: string, why?: RegExp) => assert.throws(() => readHead(text), (err) => err instanceof MalformedResponse && (!why || why.test(err.message)), JSON.stringify(text));
const refusedBody = (text: string) => assert.throws(() => decode(text), MalformedResponse, JSON.stringify(text));

describe('HeadReader: what it reads', () => {
  it('reads the status and lower-cases header names', () => {
    const head = readHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 12\r\nETag: "abc"\r\nx-amz-meta-Colour: blue\r\n\r\n');
    assert.equal(head.status, 206);
    assert.deepEqual(head.headers, { 'content-length': '12', etag: '"abc"', 'x-amz-meta-colour': 'blue' });
  });

  it('accepts a status line without a reason phrase, and drops only spaces and tabs around values', () => {
    const head = readHead('HTTP/1.0 200\r\nServer: \t s3 \t\r\nx-amz-id-2:x\r\nx-latin1: \xa0y\xa0\r\nx-empty:\r\n\r\n');
    assert.equal(head.status, 200);
    assert.deepEqual(head.headers, { server: 's3', 'x-amz-id-2': 'x', 'x-latin1': '\xa0y\xa0', 'x-empty': '' });
  });

  it('merges repeated headers as node:http does: joined, first wins, a list, cookies with "; "', () => {
    const head = readHead(
      'HTTP/1.1 200 OK\r\nx-amz-meta-a: 1\r\nx-amz-meta-a: 2\r\nETag: "first"\r\nETag: "second"\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nCookie: c=3\r\nCookie: d=4\r\nConstructor: e\r\n\r\n',
    );
    assert.deepEqual({ ...head.headers }, { 'x-amz-meta-a': '1, 2', etag: '"first"', 'set-cookie': ['a=1', 'b=2'], cookie: 'c=3; d=4', constructor: 'e' });
  });

  it('lists the first 1000 header lines, as node:http does', () => {
    const lines = Array.from({ length: 1001 }, (_, i) => `x-${i}: v\r\n`).join('');
    const head = readHead(`HTTP/1.1 200 OK\r\n${lines}\r\n`);
    assert.equal(head.headers['x-999'], 'v');
    assert.equal(head.headers['x-1000'], undefined);
  });

  it('takes what llhttp takes: empty lines before the status line, CR CR after it, HTTP/2.0 and RTSP, any reason bytes', () => {
    assert.equal(readHead('\r\n\nHTTP/1.1 200 OK\r\n\r\n').status, 200);
    assert.equal(readHead('HTTP/1.1 200 OK\r\rx: 1\r\n\r\n').headers.x, '1');
    assert.equal(readHead('HTTP/2.0 200 OK\r\n\r\n').status, 200);
    assert.equal(readHead('RTSP/1.0 200 OK\r\n\r\n').status, 200);
    assert.equal(readHead('HTTP/1.1 200 O\x00\x01\x7fK\r\n\r\n').status, 200);
    assert.equal(readHead('HTTP/1.1 099 Low\r\n\r\n').status, 99);
  });

  it('finds the head and where the body starts however the bytes are cut, skipping the interim answer', () => {
    const response = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\nETag: "e"\r\n\r\nbody');
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
});

describe('HeadReader: framing and keep-alive', () => {
  const framing = (headers: string, status = 200) => readHead(`HTTP/1.1 ${status} X\r\n${headers}\r\n`).framing;
  it('frames by Content-Length, by chunks when the last Transfer-Encoding ends in chunked, otherwise by the connection closing', () => {
    assert.deepEqual(framing('Content-Length: 1048576\r\n'), { kind: 'length', length: 1048576 });
    assert.deepEqual(framing('Content-Length: 007 \r\n'), { kind: 'length', length: 7 });
    assert.deepEqual(framing('Transfer-Encoding: gzip, CHUNKED\r\n'), { kind: 'chunked' });
    assert.deepEqual(framing('Transfer-Encoding: chunked, gzip\r\n'), { kind: 'close' });
    assert.deepEqual(framing('Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n'), { kind: 'close' });
    // llhttp: a tab after "chunked" makes it another coding; an empty Transfer-Encoding is none.
    assert.deepEqual(framing('Transfer-Encoding: chunked\t\r\n'), { kind: 'close' });
    assert.deepEqual(framing('Transfer-Encoding:\r\nContent-Length: 2\r\n'), { kind: 'length', length: 2 });
    assert.deepEqual(framing(''), { kind: 'close' });
  });
  it('gives 204, 304 and a 101 without an upgrade no body, whatever their headers say', () => {
    assert.deepEqual(framing('Content-Length: 10\r\n', 204), { kind: 'length', length: 0 });
    assert.deepEqual(framing('Transfer-Encoding: chunked\r\n', 304), { kind: 'length', length: 0 });
    assert.deepEqual(framing('', 101), { kind: 'length', length: 0 });
  });
  it('keeps the connection as llhttp does: HTTP/1.1 unless it says close, HTTP/1.0 if it says keep-alive, never when the body ends with it', () => {
    const keepAlive = (text: string) => readHead(text).keepAlive;
    assert.equal(keepAlive('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), true);
    assert.equal(keepAlive('HTTP/1.1 200 OK\r\nConnection: x, Close\r\nContent-Length: 0\r\n\r\n'), false);
    assert.equal(keepAlive('HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n'), true);
    assert.equal(keepAlive('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), false);
    assert.equal(keepAlive('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'), true);
    assert.equal(keepAlive('HTTP/1.1 200 OK\r\n\r\n'), false);
    assert.equal(keepAlive('HTTP/1.1 101 Switching Protocols\r\n\r\n'), false);
  });
});

describe('HeadReader: what it refuses, as llhttp does', () => {
  it('refuses what is not an HTTP/1.x head', () => {
    refusedHead('SSH-2.0-OpenSSH_9.2\r\n\r\n', /not an HTTP/);
    refusedHead('HTTP/2 200\r\n\r\n');
    refusedHead('HTTP/1.2 200 OK\r\n\r\n', /version/);
    refusedHead('http/1.1 200 OK\r\n\r\n');
    refusedHead('HTTP/1.1  200 OK\r\n\r\n');
    refusedHead('HTTP/1.1 20 OK\r\n\r\n');
    refusedHead('HTTP/1.1 2000 OK\r\n\r\n');
  });

  it('refuses bare LF line ends', () => {
    refusedHead('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', /LF without CR/);
    refusedHead('HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n');
    refusedHead('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n');
    refusedHead('HTTP/1.1 200 OK\r\nx:\n\r\n');
    refusedHead('HTTP/1.1 200 OK\r\nx: 1\rx\r\n\r\n', /CR without LF/);
  });

  it('refuses obsolete line folding and whitespace around names', () => {
    refusedHead('HTTP/1.1 200 OK\r\nx-amz-meta-note: one\r\n  two\r\n\r\n', /folding/);
    refusedHead('HTTP/1.1 200 OK\r\nx-empty:\r\n\ttwo\r\n\r\n', /folding/);
    refusedHead('HTTP/1.1 200 OK\r\n x: 1\r\n\r\n');
    refusedHead('HTTP/1.1 200 OK\r\nx : 1\r\n\r\n');
    refusedHead('HTTP/1.1 200 OK\r\n: 1\r\n\r\n');
    refusedHead('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n');
  });

  it('refuses control characters in names and values, but not a tab or obs-text in a value', () => {
    for (const c of ['\x00', '\x01', '\x1f', '\x7f', '\x0b']) {
      refusedHead(`HTTP/1.1 200 OK\r\nx: a${c}b\r\n\r\n`, /invalid header value character/);
      refusedHead(`HTTP/1.1 200 OK\r\nx${c}y: 1\r\n\r\n`, /invalid header name character/);
    }
    refusedHead('HTTP/1.1 200 OK\r\nx\xe9: 1\r\n\r\n');
    assert.equal(readHead('HTTP/1.1 200 OK\r\nx: a\tb\xe9\r\n\r\n').headers.x, 'a\tb\xe9');
  });

  it('refuses Transfer-Encoding together with Content-Length, in either order', () => {
    refusedHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n', /together/);
    refusedHead('HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n', /together/);
    refusedHead('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nTransfer-Encoding: gzip\r\n\r\n', /together/);
  });

  it('refuses a Content-Length that is repeated, empty, or not decimal digits', () => {
    refusedHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n', /repeated/);
    refusedHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /repeated/);
    for (const value of ['5, 5', '', '-1', '0x10', '1\t', '+1', '18446744073709551616']) refusedHead(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`, /Content-Length/);
    assert.deepEqual(readHead('HTTP/1.1 204 No Content\r\nContent-Length: 18446744073709551615\r\n\r\n').framing, { kind: 'length', length: 0 });
  });

  it('refuses a head whose names, values and reason phrase reach 16 KiB, as node counts them', () => {
    // Counted: "R" (1) + "x" (1) + the value + "Content-Length" (14) + "0" (1).
    const head = (valueBytes: number) => `HTTP/1.1 200 R\r\nx:    ${'v'.repeat(valueBytes)}\r\nContent-Length: 0\r\n\r\n`;
    assert.equal(readHead(head(MAX_HEAD_BYTES - 18)).status, 200);
    assert.throws(() => readHead(head(MAX_HEAD_BYTES - 17)), { code: 'HPE_HEADER_OVERFLOW' });
    assert.throws(() => new HeadReader().push(Buffer.from(`HTTP/1.1 200 ${'r'.repeat(MAX_HEAD_BYTES)}`)), { code: 'HPE_HEADER_OVERFLOW' });
  });

  it('refuses an interim answer that closes the connection, and a switch to another protocol', () => {
    refusedHead('HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', /interim/);
    refusedHead('HTTP/1.1 103 Early Hints\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', /interim/);
    refusedHead('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', /101/);
  });
});

describe('ChunkedDecoder', () => {
  const encoded = Buffer.from('5;ext=1\r\nhello\r\n7\r\n, world\r\nA;q="x \\"y\\"";=v;;=\r\n0123456789\r\n0\r\nx-trailer: t\r\n\r\nNEXT');

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

  it('is not done before the last chunk, nor before the end of the trailers', () => {
    const decoder = new ChunkedDecoder();
    decoder.push(Buffer.from('5\r\nhello\r\n0\r\nx: 1\r\n'));
    assert.equal(decoder.done, false);
  });

  it('takes sizes with leading zeros, and extension values quoted after a token', () => {
    assert.equal(decode('00000000000000000000001\r\na\r\n0\r\n\r\n'), 'a');
    assert.equal(decode('1;a=x"y"\r\na\r\n0\r\n\r\n'), 'a');
  });

  it('refuses a size line that is not hex digits and extensions', () => {
    for (const line of ['zz', '', ' 1', '1 ', '1\t', '-1', '0x1', '1; a', '1;', '1;a=b c', '1;a="b"c', '1;a="\x01"', '10000000000000000']) refusedBody(`${line}\r\n${'a'.repeat(1)}\r\n0\r\n\r\n`);
    refusedBody('1\na\r\n0\r\n\r\n');
    refusedBody('1\r\ra\r\n0\r\n\r\n');
  });

  it('refuses chunk data not followed by CRLF', () => {
    assert.throws(() => decode('2\r\nabX\r\n0\r\n\r\n'), /not followed by CRLF/);
    refusedBody('2\r\nab\n0\r\n\r\n');
    refusedBody('2\r\nab\r0\r\n\r\n');
  });

  it('refuses trailers as llhttp does: bare LF, folding, control characters, a Content-Length', () => {
    refusedBody('0\r\nx: 1\n\r\n');
    refusedBody('0\r\nx: 1\r\n 2\r\n\r\n');
    refusedBody('0\r\nx: \x01\r\n\r\n');
    refusedBody('0\r\nContent-Length: 1\r\n\r\n');
    refusedBody('0\r\n\r\r');
  });

  it('refuses more than 16 KiB of extensions on a chunk, and trailers that reach 16 KiB', () => {
    assert.equal(decode(`1;${'e'.repeat(16 * 1024)}\r\na\r\n0\r\n\r\n`), 'a');
    assert.throws(() => decode(`1;${'e'.repeat(16 * 1024 + 1)}\r\na\r\n0\r\n\r\n`), { code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW' });
    assert.equal(decode(`0\r\nx: ${'v'.repeat(MAX_HEAD_BYTES - 2)}\r\n\r\n`), '');
    assert.throws(() => decode(`0\r\nx: ${'v'.repeat(MAX_HEAD_BYTES - 1)}\r\n\r\n`), { code: 'HPE_HEADER_OVERFLOW' });
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
