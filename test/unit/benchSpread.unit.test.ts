import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSpreads, negated, spreadOf } from '../bench/compare/measure.js';

describe("the benchmark's verdict: ahead only beyond both spreads", () => {
  it('reads min, median and max of the runs', () => {
    assert.deepEqual(spreadOf([9, 11, 10, 14, 8]), { min: 8, median: 10, max: 14 });
  });

  it('calls a tool ahead or behind only when the medians differ by more than the wider spread', () => {
    const rclone = spreadOf([1500, 1520, 1480, 1510, 1490]); // spread 40
    assert.equal(compareSpreads(spreadOf([1600, 1610, 1590, 1605, 1595]), rclone), 'ahead');
    assert.equal(compareSpreads(spreadOf([1400, 1410, 1390, 1405, 1395]), rclone), 'behind');
    // Ferry's median 90 ahead, but its own runs spread over 200: not a win.
    assert.equal(compareSpreads(spreadOf([1500, 1700, 1590, 1600, 1580]), rclone), 'within spread');
    assert.equal(compareSpreads(rclone, rclone), 'within spread');
  });

  it('turns a less-is-better quantity (CPU per object) around', () => {
    const lowCpu = spreadOf([0.30, 0.31, 0.32]);
    const highCpu = spreadOf([0.50, 0.52, 0.51]);
    assert.equal(compareSpreads(negated(lowCpu), negated(highCpu)), 'ahead');
    assert.equal(compareSpreads(negated(highCpu), negated(lowCpu)), 'behind');
  });
});
