import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from '../../libs/selection/index.js';

const T = '2024-01-15T12:00:00.000Z';
const object = (over: Partial<{ key: string; size: number; last_modified: string }> = {}) => ({
  key: 'logs/a.txt',
  size: 2048,
  last_modified: T,
  ...over,
});

describe('compileFilter: cheap filters', () => {
  it('matches everything when no option is set', () => {
    const filter = compileFilter({});
    assert.equal(filter.matchesCheap(object({ key: '', size: 0, last_modified: 'not a date' })), true);
    assert.equal(filter.needsTags, false);
  });

  it('keeps keys under the prefix only', () => {
    const filter = compileFilter({ prefix: 'logs/2024/' });
    assert.equal(filter.matchesCheap(object({ key: 'logs/2024/' })), true);
    assert.equal(filter.matchesCheap(object({ key: 'logs/2024/01/x' })), true);
    assert.equal(filter.matchesCheap(object({ key: 'logs/2024' })), false);
    assert.equal(filter.matchesCheap(object({ key: 'Logs/2024/x' })), false);
    assert.equal(filter.matchesCheap(object({ key: 'x/logs/2024/x' })), false);
  });

  it('treats min_size and max_size as inclusive bounds', () => {
    const filter = compileFilter({ min_size: 1024, max_size: 4096 });
    assert.equal(filter.matchesCheap(object({ size: 1023 })), false);
    assert.equal(filter.matchesCheap(object({ size: 1024 })), true);
    assert.equal(filter.matchesCheap(object({ size: 4096 })), true);
    assert.equal(filter.matchesCheap(object({ size: 4097 })), false);
  });

  it('keeps empty objects when min_size is 0 and only them when max_size is 0', () => {
    assert.equal(compileFilter({ min_size: 0 }).matchesCheap(object({ size: 0 })), true);
    const onlyEmpty = compileFilter({ max_size: 0 });
    assert.equal(onlyEmpty.matchesCheap(object({ size: 0 })), true);
    assert.equal(onlyEmpty.matchesCheap(object({ size: 1 })), false);
  });

  it('treats created_after and created_before as inclusive, to the millisecond', () => {
    const filter = compileFilter({ created_after: '2024-01-01T00:00:00Z', created_before: '2024-01-31T23:59:59Z' });
    assert.equal(filter.matchesCheap(object({ last_modified: '2023-12-31T23:59:59.999Z' })), false);
    assert.equal(filter.matchesCheap(object({ last_modified: '2024-01-01T00:00:00.000Z' })), true);
    assert.equal(filter.matchesCheap(object({ last_modified: '2024-01-31T23:59:59.000Z' })), true);
    assert.equal(filter.matchesCheap(object({ last_modified: '2024-01-31T23:59:59.001Z' })), false);
  });

  it('compares instants, not text, across time zone offsets', () => {
    const filter = compileFilter({ created_after: '2024-01-01T01:00:00+01:00' });
    assert.equal(filter.matchesCheap(object({ last_modified: '2024-01-01T00:00:00.000Z' })), true);
    assert.equal(filter.matchesCheap(object({ last_modified: '2023-12-31T23:59:59.999Z' })), false);
  });

  it('never lets an undated object through a date bound', () => {
    assert.equal(compileFilter({ created_after: T }).matchesCheap(object({ last_modified: '' })), false);
    assert.equal(compileFilter({ created_before: T }).matchesCheap(object({ last_modified: 'garbage' })), false);
  });

  it('refuses a bound that is not a timestamp', () => {
    assert.throws(() => compileFilter({ created_after: 'yesterday' }), { code: 'INVALID_ARGUMENT' });
  });

  it('ANDs every option: failing any single one rejects', () => {
    const filter = compileFilter({
      prefix: 'important/',
      min_size: 1024,
      max_size: 2048,
      created_after: '2024-01-01T00:00:00Z',
      created_before: '2024-02-01T00:00:00Z',
    });
    const good = { key: 'important/x', size: 1500, last_modified: T };
    assert.equal(filter.matchesCheap(good), true);
    assert.equal(filter.matchesCheap({ ...good, key: 'other/x' }), false);
    assert.equal(filter.matchesCheap({ ...good, size: 1023 }), false);
    assert.equal(filter.matchesCheap({ ...good, size: 2049 }), false);
    assert.equal(filter.matchesCheap({ ...good, last_modified: '2023-12-31T23:59:59.999Z' }), false);
    assert.equal(filter.matchesCheap({ ...good, last_modified: '2024-02-01T00:00:00.001Z' }), false);
  });
});

describe('compileFilter: tags', () => {
  const filter = compileFilter({ tags: { environment: 'production', backup: 'true' } });

  it('needs tags only when some are listed', () => {
    assert.equal(filter.needsTags, true);
    assert.equal(compileFilter({ tags: {} }).needsTags, false);
    assert.equal(compileFilter({ tags: {} }).matchesTags({}), true);
  });

  it('requires every listed tag with exactly its value; extra tags are fine', () => {
    assert.equal(filter.matchesTags({ environment: 'production', backup: 'true' }), true);
    assert.equal(filter.matchesTags({ environment: 'production', backup: 'true', owner: 'x' }), true);
    assert.equal(filter.matchesTags({ environment: 'production' }), false);
    assert.equal(filter.matchesTags({ environment: 'production', backup: 'True' }), false);
    assert.equal(filter.matchesTags({ environment: 'production', backup: 'true ' }), false);
    assert.equal(filter.matchesTags({ Environment: 'production', backup: 'true' }), false);
    assert.equal(filter.matchesTags({}), false);
  });

  it('matches a tag whose wanted value is empty only when the tag is present', () => {
    const empty = compileFilter({ tags: { flag: '' } });
    assert.equal(empty.matchesTags({ flag: '' }), true);
    assert.equal(empty.matchesTags({}), false);
  });

  it('is not fooled by inherited properties', () => {
    const proto = compileFilter({ tags: { toString: 'x' } });
    assert.equal(proto.matchesTags({}), false);
  });
});
