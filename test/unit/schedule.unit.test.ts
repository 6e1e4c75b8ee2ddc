import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError, dueFiring, nextFiring, nextRunAt, validateJobDefinition, validateSchedule } from '../../libs/domain/index.js';

const at = (iso: string) => new Date(iso);
const base = { job_id: 'j', source_bucket: 'src', destination_bucket: 'dst' };

function assertInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FerryError);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.match(err.message, new RegExp(`^${field.replace('.', '\\.')}:`));
    return true;
  });
}

describe('schedule validation', () => {
  it('accepts a cron with an IANA zone, and one without a zone', () => {
    assert.deepEqual(validateJobDefinition({ ...base, schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' } }).schedule, {
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
    });
    assert.deepEqual(validateSchedule({ cron: '*/2 * * * * *' }), { cron: '*/2 * * * * *' });
  });

  it('names schedule.cron for a bad expression and schedule.timezone for an unknown zone', () => {
    assertInvalid(() => validateJobDefinition({ ...base, schedule: { cron: 'every night', timezone: 'UTC' } }), 'schedule.cron');
    assertInvalid(() => validateJobDefinition({ ...base, schedule: { cron: '0 25 * * *' } }), 'schedule.cron');
    assertInvalid(() => validateJobDefinition({ ...base, schedule: { timezone: 'UTC' } }), 'schedule.cron');
    assertInvalid(() => validateJobDefinition({ ...base, schedule: { cron: '0 2 * * *', timezone: 'Mars/Olympus' } }), 'schedule.timezone');
    assertInvalid(() => validateJobDefinition({ ...base, schedule: { cron: '0 2 * * *', zone: 'UTC' } }), 'schedule.zone');
  });
});

describe('next firing', () => {
  const paris = { cron: '30 2 * * *', timezone: 'Europe/Paris' };

  it('reads the expression in the job time zone', () => {
    assert.equal(nextFiring(paris, at('2026-01-10T12:00:00Z'))?.toISOString(), '2026-01-11T01:30:00.000Z'); // CET, UTC+1
    assert.equal(nextFiring(paris, at('2026-07-10T12:00:00Z'))?.toISOString(), '2026-07-11T00:30:00.000Z'); // CEST, UTC+2
  });

  it('is strictly after the given time', () => {
    assert.equal(nextFiring(paris, at('2026-01-11T01:30:00Z'))?.toISOString(), '2026-01-12T01:30:00.000Z');
  });

  it('survives the DST changes: one firing a day, none lost in the spring gap, none doubled in the autumn', () => {
    const spring: string[] = [];
    for (let t = at('2026-03-27T12:00:00Z'), i = 0; i < 4; i++) spring.push((t = nextFiring(paris, t)!).toISOString());
    assert.deepEqual(spring, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    const autumn: string[] = [];
    for (let t = at('2026-10-23T12:00:00Z'), i = 0; i < 3; i++) autumn.push((t = nextFiring(paris, t)!).toISOString());
    assert.deepEqual(autumn, ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });
});

describe('due firing', () => {
  const everyTwo = { cron: '*/2 * * * * *' };

  it('is none before the next firing', () => {
    assert.equal(dueFiring(everyTwo, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:01.900Z')), undefined);
  });

  it('is the firing once its time has come', () => {
    assert.equal(dueFiring(everyTwo, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:02.100Z'))?.toISOString(), '2026-01-01T00:00:02.000Z');
  });

  it('after an outage, is only the most recent missed firing', () => {
    assert.equal(dueFiring(everyTwo, at('2026-01-01T00:00:00Z'), at('2026-01-03T07:00:03Z'))?.toISOString(), '2026-01-03T07:00:02.000Z');
    const monthly = { cron: '0 0 1 * *', timezone: 'Asia/Tokyo' };
    assert.equal(dueFiring(monthly, at('2025-01-01T00:00:00Z'), at('2026-05-20T00:00:00Z'))?.toISOString(), '2026-04-30T15:00:00.000Z');
  });

  it('next_run_at shows a due firing, else the next one', () => {
    assert.equal(nextRunAt(everyTwo, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:05Z')), '2026-01-01T00:00:04.000Z');
    assert.equal(nextRunAt(everyTwo, at('2026-01-01T00:00:04Z'), at('2026-01-01T00:00:05Z')), '2026-01-01T00:00:06.000Z');
  });
});
