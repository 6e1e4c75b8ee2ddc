import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeNumericPageToken, decodePageToken, encodePageToken, pageAfter, pageSizeOf } from '../../libs/domain/index.js';

const refusesField = (field: string) => (err: { details?: Array<{ field?: string }> }) => err.details?.[0]?.field === field;

describe('paging', () => {
  it('takes page_size 1..1000, the default for 0 or none, and refuses the rest naming page_size', () => {
    assert.equal(pageSizeOf(undefined), 50);
    assert.equal(pageSizeOf(0, 100), 100);
    assert.equal(pageSizeOf(1000), 1000);
    for (const bad of [-1, 1001, 2.5]) assert.throws(() => pageSizeOf(bad), refusesField('page_size'));
  });

  it('reads back the tokens it issues, and refuses any other naming page_token', () => {
    assert.equal(decodePageToken(undefined), '');
    assert.equal(decodePageToken(encodePageToken('job-7')), 'job-7');
    assert.equal(decodeNumericPageToken(encodePageToken(42)), 42);
    assert.equal(decodeNumericPageToken(''), 0);
    for (const bad of ['zzz', encodePageToken('-3'), encodePageToken('01'), encodePageToken('x')]) assert.throws(() => decodeNumericPageToken(bad), refusesField('page_token'));
    assert.throws(() => decodePageToken(encodePageToken('nope'), (p) => p.startsWith('job-')), refusesField('page_token'));
  });

  it('pages after the last position, with no token after the last page', () => {
    const items = [1, 2, 3, 4, 5].map((n) => ({ seq: n * 10 }));
    const first = pageAfter(items, 2, (i) => i.seq);
    assert.deepEqual(first.items, [{ seq: 10 }, { seq: 20 }]);
    assert.equal(decodeNumericPageToken(first.next_page_token), 20);
    assert.deepEqual(pageAfter(items.slice(4), 2, (i) => i.seq), { items: [{ seq: 50 }], next_page_token: '' });
  });
});
