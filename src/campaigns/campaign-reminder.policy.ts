const DAY_MS = 86_400_000;

export interface ReminderSettings {
  dueAt: Date;
  daysBeforeDue: number[];
  overdueEveryDays: number;
  closeAfterDueDays: number;
  escalateAfterDays: number;
}

/** A campaign row's reminder settings (columns as the migration names them). */
export function reminderSettings(c: {
  due_at: Date;
  reminder_days_before_due: number[];
  overdue_every_days: number;
  close_after_due_days: number;
  escalate_after_days: number;
}): ReminderSettings {
  return {
    dueAt: c.due_at,
    daysBeforeDue: c.reminder_days_before_due,
    overdueEveryDays: c.overdue_every_days,
    closeAfterDueDays: c.close_after_due_days,
    escalateAfterDays: c.escalate_after_days,
  };
}

export type ReminderDue =
  { kind: 'review_reminder'; period: string } | { kind: 'review_overdue'; period: string } | null;

/**
 * The reminder in force at `now` (API.md): before dueAt, the latest of `daysBeforeDue` whose moment
 * has come (`d-<its index>`; earlier ones whose moment also passed are not sent late); between dueAt
 * and the close at dueAt + closeAfterDueDays, `overdue-<n>` every overdueEveryDays; otherwise none.
 */
export function reminderAt(s: ReminderSettings, now: Date): ReminderDue {
  const due = s.dueAt.getTime();
  const t = now.getTime();
  if (t < due) {
    let best: { index: number; days: number } | null = null;
    s.daysBeforeDue.forEach((days, index) => {
      if (t >= due - days * DAY_MS && (best === null || days < best.days)) best = { index, days };
    });
    const chosen = best as { index: number; days: number } | null;
    return chosen ? { kind: 'review_reminder', period: `d-${chosen.index}` } : null;
  }
  if (t >= due + s.closeAfterDueDays * DAY_MS) return null;
  const n = Math.floor((t - due) / (s.overdueEveryDays * DAY_MS)) + 1;
  return { kind: 'review_overdue', period: `overdue-${n}` };
}

/** Escalation acts once, escalateAfterDays after dueAt, and only when that is before the close. */
export function escalationDue(s: ReminderSettings, now: Date): boolean {
  if (!(s.escalateAfterDays < s.closeAfterDueDays)) return false;
  return now.getTime() >= s.dueAt.getTime() + s.escalateAfterDays * DAY_MS;
}
