import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { keySample, startFaultProxy, STORE_FULL_ANSWERS, type FaultProxy } from '../harness/faultProxy.js';

/** Echo upstream: GET answers a fixed body, PUT answers the body it received. */
function startUpstream(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(req.method === 'PUT' ? Buffer.concat(chunks) : Buffer.from('upstream body')));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function call(url: string, method: string, body?: string): Promise<{ status: number; body: string } | 'reset'> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.message === 'socket hang up' ? resolve('reset') : reject(err)));
    req.end(body);
  });
}

describe('fault proxy', () => {
  let upstream: http.Server;
  let proxy: FaultProxy;
  before(async () => {
    upstream = await startUpstream();
    proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });
  after(async () => {
    await proxy?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('passes requests through untouched by default', async () => {
    assert.deepEqual(await call(`${proxy.endpoint}/x`, 'GET'), { status: 200, body: 'upstream body' });
    assert.deepEqual(await call(`${proxy.endpoint}/x`, 'PUT', 'hello'), { status: 200, body: 'hello' });
    assert.equal(proxy.stats().faulted, 0);
  });

  it('corrupts PUT and GET bodies', async () => {
    proxy.setFaults({ corruptBodies: true });
    const got = await call(`${proxy.endpoint}/x`, 'GET');
    const put = await call(`${proxy.endpoint}/x`, 'PUT', 'hello');
    proxy.setFaults({ corruptBodies: false });
    assert.ok(got !== 'reset' && put !== 'reset');
    assert.notEqual(got.body, 'upstream body');
    assert.equal(got.body.length, 'upstream body'.length);
    assert.notEqual(put.body, 'hello');
    assert.equal(proxy.stats().faulted, 2);
  });

  it('refuses writes with AccessDenied but lets reads through', async () => {
    proxy.setFaults({ denyWrites: true });
    const put = await call(`${proxy.endpoint}/x`, 'PUT', 'hello');
    const got = await call(`${proxy.endpoint}/x`, 'GET');
    proxy.setFaults({ denyWrites: false });
    assert.ok(put !== 'reset' && got !== 'reset');
    assert.equal(put.status, 403);
    assert.match(put.body, /<Code>AccessDenied<\/Code>/);
    assert.equal(got.status, 200);
  });

  it('corrupts only the chosen keys, on every request, so a retry cannot heal them', async () => {
    proxy.setFaults({ corruptBodies: true, corruptObjectsOnly: true, corruptKeys: (key) => key === 'dir/bad key' });
    const bad = [await call(`${proxy.endpoint}/bucket/dir/bad%20key`, 'PUT', 'hello'), await call(`${proxy.endpoint}/bucket/dir/bad%20key`, 'PUT', 'hello')];
    const badGet = await call(`${proxy.endpoint}/bucket/dir/bad%20key`, 'GET');
    const good = await call(`${proxy.endpoint}/bucket/dir/good`, 'PUT', 'hello');
    const goodGet = await call(`${proxy.endpoint}/bucket/dir/good`, 'GET');
    proxy.setFaults({ corruptBodies: false, corruptObjectsOnly: false, corruptKeys: undefined });
    for (const r of bad) assert.ok(r !== 'reset' && r.body !== 'hello' && r.body.length === 5, JSON.stringify(r));
    assert.ok(badGet !== 'reset' && badGet.body !== 'upstream body');
    assert.deepEqual(good, { status: 200, body: 'hello' });
    assert.deepEqual(goodGet, { status: 200, body: 'upstream body' });
  });

  it('samples keys by a seeded hash: the same keys in any order, about the rate', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `chaos/${String(i).padStart(6, '0')}`);
    const chosen = keys.filter(keySample(0.01, 42));
    assert.deepEqual([...keys].reverse().filter(keySample(0.01, 42)).reverse(), chosen);
    assert.ok(chosen.length > 60 && chosen.length < 140, `${chosen.length} of 10,000 at 1%`);
    assert.notDeepEqual(keys.filter(keySample(0.01, 43)), chosen, 'another seed, other keys');
  });

  it('fills up after N object writes: later PUTs and POSTs get the full answer, reads and deletes still work', async () => {
    proxy.setFaults({ fullAfterWrites: 2 });
    const puts: Array<Awaited<ReturnType<typeof call>>> = [];
    for (let i = 0; i < 4; i++) puts.push(await call(`${proxy.endpoint}/bucket/k${i}`, 'PUT', `body ${i}`));
    const post = await call(`${proxy.endpoint}/bucket/big?uploads`, 'POST');
    const got = await call(`${proxy.endpoint}/bucket/k0`, 'GET');
    const deleted = await call(`${proxy.endpoint}/bucket/k0`, 'DELETE');
    proxy.setFaults({ fullAnswer: STORE_FULL_ANSWERS.quota });
    const quota = await call(`${proxy.endpoint}/bucket/k9`, 'PUT', 'x');
    proxy.setFaults({ fullAfterWrites: Number.POSITIVE_INFINITY, fullAnswer: STORE_FULL_ANSWERS.minio });
    const afterwards = await call(`${proxy.endpoint}/bucket/k5`, 'PUT', 'again');
    assert.deepEqual(puts.slice(0, 2), [{ status: 200, body: 'body 0' }, { status: 200, body: 'body 1' }]);
    for (const r of [...puts.slice(2), post]) {
      assert.ok(r !== 'reset');
      assert.equal(r.status, 507);
      assert.match(r.body, /<Code>XMinioStorageFull<\/Code>/);
    }
    assert.ok(quota !== 'reset' && quota.status === 403 && /<Code>QuotaExceeded<\/Code>/.test(quota.body), JSON.stringify(quota));
    assert.equal(got !== 'reset' && got.status, 200);
    assert.equal(deleted !== 'reset' && deleted.status, 200);
    assert.deepEqual(afterwards, { status: 200, body: 'again' });
  });

  it('draws 503s and resets from a seeded sequence', async () => {
    const run = async () => {
      proxy.setFaults({ error503Rate: 0.3, resetRate: 0.2, seed: 42 });
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await call(`${proxy.endpoint}/x`, 'GET');
        outcomes.push(r === 'reset' ? 'reset' : String(r.status));
      }
      return outcomes;
    };
    const before = proxy.stats();
    const first = await run();
    const second = await run();
    proxy.setFaults({ error503Rate: 0, resetRate: 0 });
    assert.deepEqual(first, second);
    assert.ok(first.includes('503') && first.includes('reset') && first.includes('200'), first.join(','));
    const after = proxy.stats();
    assert.equal(after.requests - before.requests, 80);
    assert.equal(after.faulted - before.faulted, first.filter((o) => o !== '200').length * 2);
  });
});
