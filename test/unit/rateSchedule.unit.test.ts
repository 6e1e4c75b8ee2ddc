import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError, nextRateChange, rateAt, rateInForce, validateJobDefinition, validateRateSchedule, type RateSchedule } from '../../libs/domain/index.js';

const officeHours: RateSchedule = {
  timezone: 'Europe/Paris',
  windows: [
    { at: '08:00', days: 'mon-fri', rate_limit_bytes_per_sec: 1_000_000 },
    { at: '18:00', days: 'mon-fri', rate_limit_bytes_per_sec: 0 },
  ],
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof FerryError, String(err));
    return err.details[0]?.field;
  }
}

describe('rate_limit_schedule', () => {
  it('holds the rate of the window that started last, in the schedule\'s time zone', () => {
    // Wednesday 2026-12-02: Paris is UTC+1.
    assert.equal(rateAt(officeHours, new Date('2026-12-02T06:59:59Z')), 0, 'before 08:00 Paris: since Tuesday 18:00');
    assert.equal(rateAt(officeHours, new Date('2026-12-02T07:00:00Z')), 1_000_000, 'from 08:00 Paris');
    assert.equal(rateAt(officeHours, new Date('2026-12-02T16:59:59Z')), 1_000_000);
    assert.equal(rateAt(officeHours, new Date('2026-12-02T17:00:00Z')), 0, 'from 18:00 Paris');
    // Saturday: the weekday windows do not start, so Friday 18:00's holds.
    assert.equal(rateAt(officeHours, new Date('2026-12-05T10:00:00Z')), 0);
  });

  it('follows daylight saving time: 08:00 in Paris is 06:00 UTC in summer', () => {
    assert.equal(rateAt(officeHours, new Date('2026-07-01T06:00:00Z')), 1_000_000);
    assert.equal(rateAt(officeHours, new Date('2026-07-01T05:59:59Z')), 0);
  });

  it('names when the rate next changes', () => {
    assert.equal(nextRateChange(officeHours, new Date('2026-12-02T07:30:00Z'))?.toISOString(), '2026-12-02T17:00:00.000Z');
    assert.equal(nextRateChange(officeHours, new Date('2026-12-04T18:00:00Z'))?.toISOString(), '2026-12-07T07:00:00.000Z', 'Friday evening: Monday 08:00');
  });

  it("reads windows in the job's schedule's zone when it names none, and a fixed rate without one", () => {
    const { timezone: _zone, ...zoneless } = officeHours;
    assert.equal(rateInForce({ rate_limit_schedule: zoneless, schedule: { timezone: 'Asia/Tokyo' } }, new Date('2026-12-02T00:00:00Z')), 1_000_000, '09:00 in Tokyo');
    assert.equal(rateInForce({ rate_limit_schedule: zoneless }, new Date('2026-12-02T00:00:00Z')), 0, '00:00 UTC');
    assert.equal(rateInForce({ rate_limit_bytes_per_sec: 5 }, new Date()), 5);
  });

  it('refuses bad windows naming the field, and a fixed rate beside a schedule', () => {
    assert.equal(fieldOf(() => validateRateSchedule({ windows: [] })), 'rate_limit_schedule.windows');
    assert.equal(fieldOf(() => validateRateSchedule({ windows: [{ at: '8:00', rate_limit_bytes_per_sec: 1 }] })), 'rate_limit_schedule.windows[0].at');
    assert.equal(fieldOf(() => validateRateSchedule({ windows: [{ at: '24:00', rate_limit_bytes_per_sec: 1 }] })), 'rate_limit_schedule.windows[0].at');
    assert.equal(fieldOf(() => validateRateSchedule({ windows: [{ at: '08:00', days: 'weekdays', rate_limit_bytes_per_sec: 1 }] })), 'rate_limit_schedule.windows[0].days');
    assert.equal(fieldOf(() => validateRateSchedule({ windows: [{ at: '08:00', rate_limit_bytes_per_sec: -1 }] })), 'rate_limit_schedule.windows[0].rate_limit_bytes_per_sec');
    assert.equal(fieldOf(() => validateRateSchedule({ timezone: 'Mars/Olympus', windows: [{ at: '08:00', rate_limit_bytes_per_sec: 1 }] })), 'rate_limit_schedule.timezone');
    const job = { job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', rate_limit_schedule: officeHours };
    assert.equal(fieldOf(() => validateJobDefinition({ ...job, rate_limit_bytes_per_sec: 10 })), 'rate_limit_bytes_per_sec');
    assert.deepEqual(validateJobDefinition(job).rate_limit_schedule, officeHours);
  });
});
