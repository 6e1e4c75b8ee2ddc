import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobIdFromToken, jobToken } from '../../libs/nats/subjects.js';

describe('job tokens in NATS subjects', () => {
  it('round-trips ids with dots and underscores through a single subject token', () => {
    for (const id of ['plain', 'a.b', 'a_b', 'a._d.__x', 'A-1.2_3']) {
      const token = jobToken(id);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(jobIdFromToken(token), id);
    }
    assert.notEqual(jobToken('a.b'), jobToken('a_b'));
  });

  it('refuses what would be a wildcard, a separator of its own or an empty token', () => {
    for (const id of ['*', '>', 'a*', 'a>b', 'a b', '', 'tab\there', 'ü']) assert.throws(() => jobToken(id), /cannot name a NATS subject/, JSON.stringify(id));
  });
});
