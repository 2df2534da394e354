import { escalationDue, reminderAt, type ReminderSettings } from './campaign-reminder.policy';

const DAY = 86_400_000;
const due = new Date('2027-03-10T12:00:00Z');
const at = (offsetDays: number) => new Date(due.getTime() + offsetDays * DAY);
const base: ReminderSettings = {
  dueAt: due,
  daysBeforeDue: [7, 3, 1],
  overdueEveryDays: 1,
  closeAfterDueDays: 0,
  escalateAfterDays: 3,
};

describe('reminderAt', () => {
  it('names nothing before the first reminder, then the latest reminder whose moment has come', () => {
    expect(reminderAt(base, at(-8))).toBeNull();
    expect(reminderAt(base, at(-7))).toEqual({ kind: 'review_reminder', period: 'd-0' });
    expect(reminderAt(base, at(-5))).toEqual({ kind: 'review_reminder', period: 'd-0' });
    expect(reminderAt(base, at(-3))).toEqual({ kind: 'review_reminder', period: 'd-1' });
    expect(reminderAt(base, at(-0.5))).toEqual({ kind: 'review_reminder', period: 'd-2' });
  });

  it('uses each reminder’s index in daysBeforeDue, whatever their order', () => {
    expect(reminderAt({ ...base, daysBeforeDue: [1, 7] }, at(-2))).toEqual({
      kind: 'review_reminder',
      period: 'd-1',
    });
    expect(reminderAt({ ...base, daysBeforeDue: [1, 7] }, at(-0.9))).toEqual({
      kind: 'review_reminder',
      period: 'd-0',
    });
  });

  it('with the defaults nothing is overdue: the campaign closes at dueAt', () => {
    expect(reminderAt(base, at(0))).toBeNull();
    expect(reminderAt(base, at(2))).toBeNull();
  });

  it('counts overdue reminders every overdueEveryDays until the close', () => {
    const s = { ...base, closeAfterDueDays: 5, overdueEveryDays: 2 };
    expect(reminderAt(s, at(0))).toEqual({ kind: 'review_overdue', period: 'overdue-1' });
    expect(reminderAt(s, at(1.9))).toEqual({ kind: 'review_overdue', period: 'overdue-1' });
    expect(reminderAt(s, at(2))).toEqual({ kind: 'review_overdue', period: 'overdue-2' });
    expect(reminderAt(s, at(4.99))).toEqual({ kind: 'review_overdue', period: 'overdue-3' });
    expect(reminderAt(s, at(5))).toBeNull();
  });

  it('takes fractions of days (minutes)', () => {
    const s = { ...base, daysBeforeDue: [2 / 1440], overdueEveryDays: 1 / 1440, closeAfterDueDays: 3 / 1440 };
    expect(reminderAt(s, at(-3 / 1440))).toBeNull();
    expect(reminderAt(s, at(-1 / 1440))).toEqual({ kind: 'review_reminder', period: 'd-0' });
    expect(reminderAt(s, at(1.5 / 1440))).toEqual({ kind: 'review_overdue', period: 'overdue-2' });
  });
});

describe('escalationDue', () => {
  it('acts escalateAfterDays after dueAt, only when that is before the close', () => {
    expect(escalationDue(base, at(10))).toBe(false);
    const s = { ...base, closeAfterDueDays: 5 };
    expect(escalationDue(s, at(2.9))).toBe(false);
    expect(escalationDue(s, at(3))).toBe(true);
    expect(escalationDue({ ...s, escalateAfterDays: 5 }, at(4.9))).toBe(false);
  });
});
