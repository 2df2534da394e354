/**
 * The periods of a campaign template (API.md "Campaigns that run themselves"), pure so that the
 * arithmetic is unit-tested with any clock.
 *
 * A period starts at 00:00 UTC on `dayOfMonth` every `everyMonths` months, counted from the month the
 * template was created in. The period in progress at a moment is the latest start at or before it,
 * so a `dayOfMonth` later than that moment's day means the start `everyMonths` months before (for a
 * monthly template: the previous month's).
 *
 * A period's name is the calendar unit its start falls in: `YYYY-MM` (1 month), `YYYY-Qn` (3),
 * `YYYY-Hn` (6), `YYYY` (12), and `YYYY-MM` of the start for every other length (2, 4, 5, 7–11), where
 * no calendar unit fits. Starts are `everyMonths` apart, so no two periods of one schedule share a name.
 */

export interface TemplateSchedule {
  /** 1..12 */
  everyMonths: number;
  /** 1..28, so every month has it */
  dayOfMonth: number;
}

export interface TemplatePeriod {
  /** The name the period's campaign carries after the template's name, and its unique key. */
  key: string;
  start: Date;
  /** The next period's start (this one's end). */
  end: Date;
}

// Months counted since year 0, in UTC.
const monthIndex = (d: Date): number => d.getUTCFullYear() * 12 + d.getUTCMonth();
const startOf = (month: number, day: number): Date =>
  new Date(Date.UTC(Math.floor(month / 12), month % 12, day));

/** The name of a period that starts at `start` (see the file comment). */
export function periodKey(start: Date, everyMonths: number): string {
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth(); // 0..11
  switch (everyMonths) {
    case 3:
      return `${year}-Q${Math.floor(month / 3) + 1}`;
    case 6:
      return `${year}-H${month < 6 ? 1 : 2}`;
    case 12:
      return String(year);
    default:
      return `${year}-${String(month + 1).padStart(2, '0')}`;
  }
}

/** The period in progress at `at` for a template created at `createdAt`. */
export function periodAt(schedule: TemplateSchedule, createdAt: Date, at: Date): TemplatePeriod {
  const n = schedule.everyMonths;
  const anchor = monthIndex(createdAt);
  let k = Math.floor((monthIndex(at) - anchor) / n);
  if (startOf(anchor + k * n, schedule.dayOfMonth).getTime() > at.getTime()) k -= 1;
  const start = startOf(anchor + k * n, schedule.dayOfMonth);
  return { key: periodKey(start, n), start, end: startOf(anchor + (k + 1) * n, schedule.dayOfMonth) };
}

/**
 * The period whose campaign is due at `now`: the one in progress, unless it started before
 * `launchFrom` (a schedule changed during it), in which case nothing is due until the next start.
 */
export function duePeriod(
  schedule: TemplateSchedule,
  createdAt: Date,
  launchFrom: Date,
  now: Date,
): TemplatePeriod | null {
  const p = periodAt(schedule, createdAt, now);
  return p.start.getTime() >= launchFrom.getTime() ? p : null;
}

/** The first period a template launches, given when it was created or its schedule changed. */
export function launchFromAt(
  schedule: TemplateSchedule,
  createdAt: Date,
  at: Date,
  reason: 'created' | 'schedule_changed',
): Date {
  // At creation the period in progress launches (its start qualifies); after a change it does not,
  // so a template switched from monthly to quarterly mid-quarter does not review that quarter twice.
  return reason === 'created' ? periodAt(schedule, createdAt, at).start : at;
}
