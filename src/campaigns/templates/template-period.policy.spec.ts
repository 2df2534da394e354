import { duePeriod, launchFromAt, periodAt, periodKey } from './template-period.policy';

const d = (iso: string) => new Date(iso);
const monthly = { everyMonths: 1, dayOfMonth: 1 };
const quarterly = { everyMonths: 3, dayOfMonth: 1 };

describe('template periods', () => {
  it('names periods by month, quarter, half and year, and by the start month for other lengths', () => {
    expect(periodKey(d('2027-01-01T00:00:00Z'), 1)).toBe('2027-01');
    expect(periodKey(d('2027-12-15T00:00:00Z'), 1)).toBe('2027-12');
    expect(periodKey(d('2027-01-01T00:00:00Z'), 3)).toBe('2027-Q1');
    expect(periodKey(d('2027-03-28T00:00:00Z'), 3)).toBe('2027-Q1');
    expect(periodKey(d('2027-04-01T00:00:00Z'), 3)).toBe('2027-Q2');
    expect(periodKey(d('2027-12-01T00:00:00Z'), 3)).toBe('2027-Q4');
    expect(periodKey(d('2027-06-30T00:00:00Z'), 6)).toBe('2027-H1');
    expect(periodKey(d('2027-07-01T00:00:00Z'), 6)).toBe('2027-H2');
    expect(periodKey(d('2027-11-01T00:00:00Z'), 12)).toBe('2027');
    expect(periodKey(d('2027-05-10T00:00:00Z'), 2)).toBe('2027-05');
    expect(periodKey(d('2027-09-10T00:00:00Z'), 4)).toBe('2027-09');
  });

  it('starts periods at 00:00 UTC on dayOfMonth, every everyMonths counted from the creation month', () => {
    const created = d('2027-02-10T12:00:00Z');
    expect(periodAt(quarterly, created, d('2027-02-10T12:00:00Z'))).toEqual({
      key: '2027-Q1',
      start: d('2027-02-01T00:00:00Z'),
      end: d('2027-05-01T00:00:00Z'),
    });
    // Counted from February, not from calendar quarters: May, August, November, then February.
    expect(periodAt(quarterly, created, d('2027-07-31T23:59:59.999Z')).start).toEqual(
      d('2027-05-01T00:00:00Z'),
    );
    expect(periodAt(quarterly, created, d('2027-08-01T00:00:00Z'))).toMatchObject({
      key: '2027-Q3',
      start: d('2027-08-01T00:00:00Z'),
    });
    expect(periodAt(quarterly, created, d('2028-02-01T00:00:00Z')).key).toBe('2028-Q1');
  });

  it('a dayOfMonth later than the creation day means the previous start: the previous month for a monthly one', () => {
    const created = d('2027-03-10T08:00:00Z');
    expect(periodAt({ everyMonths: 1, dayOfMonth: 15 }, created, created)).toEqual({
      key: '2027-02',
      start: d('2027-02-15T00:00:00Z'),
      end: d('2027-03-15T00:00:00Z'),
    });
    // The same day, before and at midnight UTC.
    const on15 = { everyMonths: 1, dayOfMonth: 15 };
    expect(periodAt(on15, created, d('2027-03-14T23:59:59Z')).key).toBe('2027-02');
    expect(periodAt(on15, created, d('2027-03-15T00:00:00Z')).key).toBe('2027-03');
    // Quarterly: the start one quarter before the creation month's.
    expect(periodAt({ everyMonths: 3, dayOfMonth: 15 }, created, created)).toMatchObject({
      key: '2026-Q4',
      start: d('2026-12-15T00:00:00Z'),
      end: d('2027-03-15T00:00:00Z'),
    });
  });

  it('crosses year boundaries', () => {
    const created = d('2026-12-20T00:00:00Z');
    expect(periodAt(monthly, created, d('2027-01-01T00:00:00Z'))).toMatchObject({
      key: '2027-01',
      start: d('2027-01-01T00:00:00Z'),
    });
    expect(periodAt(monthly, created, d('2026-12-31T23:59:59Z')).end).toEqual(d('2027-01-01T00:00:00Z'));
    // A half-yearly template made in November: November, May, November.
    const half = { everyMonths: 6, dayOfMonth: 1 };
    const nov = d('2026-11-05T00:00:00Z');
    expect(periodAt(half, nov, nov).key).toBe('2026-H2');
    expect(periodAt(half, nov, d('2027-05-01T00:00:00Z')).key).toBe('2027-H1');
    expect(periodAt(half, nov, d('2027-11-01T00:00:00Z')).key).toBe('2027-H2');
    // Yearly on the 28th, created on 2 January: the period in progress began the year before.
    const yearly = { everyMonths: 12, dayOfMonth: 28 };
    const jan2 = d('2027-01-02T00:00:00Z');
    expect(periodAt(yearly, jan2, jan2)).toMatchObject({ key: '2026', start: d('2026-01-28T00:00:00Z') });
    expect(periodAt(yearly, jan2, d('2027-01-28T00:00:00Z')).key).toBe('2027');
  });

  it('handles month ends: the 28th exists in every month, February of leap years included', () => {
    const on28 = { everyMonths: 1, dayOfMonth: 28 };
    const created = d('2028-01-31T23:00:00Z');
    expect(periodAt(on28, created, created)).toMatchObject({
      key: '2028-01',
      start: d('2028-01-28T00:00:00Z'),
    });
    expect(periodAt(on28, created, d('2028-02-29T12:00:00Z'))).toMatchObject({
      key: '2028-02',
      start: d('2028-02-28T00:00:00Z'),
      end: d('2028-03-28T00:00:00Z'),
    });
    expect(periodAt(on28, created, d('2028-03-27T23:59:59Z')).key).toBe('2028-02');
  });

  it('other lengths are named by the start month and never repeat a name', () => {
    const every5 = { everyMonths: 5, dayOfMonth: 1 };
    const created = d('2027-01-15T00:00:00Z');
    const keys = [0, 5, 10, 15, 20, 25].map(
      (m) => periodAt(every5, created, new Date(Date.UTC(2027, m, 2))).key,
    );
    expect(keys).toEqual(['2027-01', '2027-06', '2027-11', '2028-04', '2028-09', '2029-02']);
  });

  it('the period in progress at creation is due at once; after a schedule change only the next start is', () => {
    const created = d('2027-02-10T12:00:00Z');
    const from = launchFromAt(quarterly, created, created, 'created');
    expect(duePeriod(quarterly, created, from, d('2027-02-10T12:00:01Z'))?.key).toBe('2027-Q1');
    const changedAt = d('2027-03-05T09:00:00Z');
    const after = launchFromAt(monthly, created, changedAt, 'schedule_changed');
    expect(duePeriod(monthly, created, after, d('2027-03-20T00:00:00Z'))).toBeNull();
    expect(duePeriod(monthly, created, after, d('2027-04-01T00:00:00Z'))?.key).toBe('2027-04');
  });
});
