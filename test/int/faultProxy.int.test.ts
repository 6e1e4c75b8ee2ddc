import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';

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
