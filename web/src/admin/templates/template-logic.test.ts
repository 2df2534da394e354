import { describe, expect, it } from 'vitest';
import {
  emptyTemplateForm,
  scheduleText,
  type Template,
  templateProblems,
  templateToForm,
  toTemplateBody,
} from './template-logic';

const filled = {
  ...emptyTemplateForm(),
  connectionId: 'c1',
  name: ' Quarterly review ',
  fallbackReviewerId: 'p1',
};

describe('template form', () => {
  it('names every missing or out-of-range field', () => {
    expect(templateProblems(emptyTemplateForm())).toEqual([
      'Choose a connection.',
      'Give the template a name.',
      'Choose a fallback reviewer.',
    ]);
    expect(templateProblems(filled)).toEqual([]);
    expect(
      templateProblems({
        ...filled,
        everyMonths: '13',
        dayOfMonth: '29',
        durationDays: '0',
        maxSyncAgeHours: '-1',
        certificationValidDays: '3651',
      }),
    ).toEqual([
      'Repeat every 1 to 12 months.',
      'Start periods on a day from 1 to 28.',
      'Give each campaign a duration of more than 0 and at most 365 days.',
      'The oldest accepted sync must be more than 0 hours.',
      'Certify kept memberships for a number of days between 0 and 3650.',
    ]);
    expect(templateProblems({ ...filled, certificationValidDays: 'a year' })).toEqual([
      'Certify kept memberships for a number of days between 0 and 3650.',
    ]);
    expect(templateProblems({ ...filled, durationDays: '0.5', maxSyncAgeHours: '.25' })).toEqual([]);
    expect(templateProblems({ ...filled, reviewerStrategy: 'named' })).toEqual([
      'Choose at least one named reviewer.',
    ]);
  });

  it('builds the create body, and reads a template back into the same form', () => {
    const form = {
      ...filled,
      everyMonths: '6',
      dayOfMonth: '15',
      mode: 'delta' as const,
      certificationValidDays: '90.5',
      administrators: true,
      maxRevokePercentPerGroup: '29',
      maxRevokesPerClose: '12',
      inactiveDays: '120',
    };
    const body = toTemplateBody(form);
    expect(body).toMatchObject({
      connectionId: 'c1',
      name: 'Quarterly review',
      scope: { groupIds: [], administrators: true },
      reviewerIds: [],
      fallbackReviewerIds: ['p1'],
      schedule: { everyMonths: 6, dayOfMonth: 15 },
      durationDays: 14,
      mode: 'delta',
      certificationValidDays: 90.5,
      maxSyncAgeHours: 24,
      maxRevokeSharePerGroup: 0.29,
      maxRevokesPerClose: 12,
      inactiveDays: 120,
    });
    expect(body).not.toHaveProperty('description');
    const t = {
      ...body,
      id: 't1',
      description: null,
      scope: { groupIds: [], applicationIds: [], administrators: true },
      reminders: { daysBeforeDue: [7, 3, 1], overdueEveryDays: 1 },
    } as unknown as Template;
    expect(templateToForm(t)).toEqual({ ...form, name: 'Quarterly review' });
  });

  it('says the schedule in words', () => {
    expect(scheduleText({ everyMonths: 3, dayOfMonth: 1 })).toBe('Quarterly, from day 1 (00:00 UTC)');
    expect(scheduleText({ everyMonths: 2, dayOfMonth: 15 })).toBe('Every 2 months, from day 15 (00:00 UTC)');
  });
});
