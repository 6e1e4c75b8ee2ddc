import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutPort } from '../../libs/transport/clientAddress.js';
import { FAILED_AUTH_BURST, FAILED_AUTH_REFILL_MS, FailedAuthLimiter } from '../../libs/transport/failedAuthLimiter.js';

describe('failed authentications are slowed per address', () => {
  it('lets an address fail FAILED_AUTH_BURST times, then refuses it until one more is allowed', () => {
    const limiter = new FailedAuthLimiter();
    const t0 = 1_000_000;
    for (let i = 1; i < FAILED_AUTH_BURST; i++) assert.equal(limiter.failed('10.0.0.1', t0), false, `failure ${i}`);
    assert.equal(limiter.retryAfterSeconds('10.0.0.1', t0), undefined);
    assert.equal(limiter.failed('10.0.0.1', t0), true);
    assert.equal(limiter.retryAfterSeconds('10.0.0.1', t0), FAILED_AUTH_REFILL_MS / 1000);
    assert.equal(limiter.retryAfterSeconds('10.0.0.1', t0 + FAILED_AUTH_REFILL_MS / 2), FAILED_AUTH_REFILL_MS / 2000);
    assert.equal(limiter.retryAfterSeconds('10.0.0.2', t0), undefined, 'another address is not slowed');
    assert.equal(limiter.retryAfterSeconds('10.0.0.1', t0 + FAILED_AUTH_REFILL_MS), undefined, 'one more try after the refill');
    assert.equal(limiter.failed('10.0.0.1', t0 + FAILED_AUTH_REFILL_MS), true, 'and it is slowed again at once');
  });

  it('forgets an address whose allowance has refilled', () => {
    const limiter = new FailedAuthLimiter(2, 1_000);
    limiter.failed('a', 0);
    limiter.failed('a', 0);
    assert.equal(limiter.retryAfterSeconds('a', 500), 1);
    assert.equal(limiter.retryAfterSeconds('a', 2_000), undefined);
    assert.equal(limiter.failed('a', 2_000), false, 'a fresh allowance of 2');
  });

  it('reads the address of a gRPC peer without its port', () => {
    assert.equal(withoutPort('127.0.0.1:50123'), '127.0.0.1');
    assert.equal(withoutPort('ipv4:10.1.2.3:443'), '10.1.2.3');
    assert.equal(withoutPort('[::1]:50123'), '::1');
    assert.equal(withoutPort('ipv6:[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(withoutPort('unix:/tmp/sock'), 'unix:/tmp/sock');
  });
});
