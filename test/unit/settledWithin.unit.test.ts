import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settledWithin } from '../../libs/nats/settledWithin.js';

describe('settledWithin', () => {
  it("gives the promise's value when it settles in time", async () => {
    assert.equal(await settledWithin(Promise.resolve('open'), 1_000), 'open');
  });

  it('gives undefined when the time runs out first, and the promise goes on', async () => {
    let open!: (value: string) => void;
    const opening = new Promise<string>((resolve) => (open = resolve));
    assert.equal(await settledWithin(opening, 5), undefined);
    open('late');
    assert.equal(await opening, 'late');
  });

  it('gives undefined as soon as it is interrupted', async () => {
    const never = new Promise<string>(() => undefined);
    assert.equal(await settledWithin(never, 60_000, Promise.resolve()), undefined);
  });

  it('rethrows a rejection in time; one after the time runs out is not unhandled', async () => {
    await assert.rejects(settledWithin(Promise.reject(new Error('no stream')), 1_000), /no stream/);
    let fail!: (err: Error) => void;
    const opening = new Promise<string>((_, reject) => (fail = reject));
    assert.equal(await settledWithin(opening, 5), undefined);
    fail(new Error('placement failed'));
    await assert.rejects(opening, /placement failed/);
  });
});
