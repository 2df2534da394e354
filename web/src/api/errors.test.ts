import { describe, expect, it } from 'vitest';
import { ApiError, describeError, toApiError } from './errors';

describe('API errors', () => {
  it('keeps the message, joins field errors and keeps the code', () => {
    const e = toApiError(400, { statusCode: 400, message: ['a must be set', 'b is bad'], code: 'x' });
    expect([e.status, e.message, e.code]).toEqual([400, 'a must be set; b is bad', 'x']);
    expect(e.messages).toEqual(['a must be set', 'b is bad']);
    expect(toApiError(409, { message: 'taken' }).messages).toEqual(['taken']);
    expect(toApiError(502, 'Bad gateway').message).toBe('Bad gateway');
    expect(toApiError(500, undefined).message).toBe('HTTP 500');
  });

  it('shows 403 as "you may not" and 409 as a conflict, each with what to do', () => {
    const forbidden = describeError(new ApiError(403, 'not your item'));
    expect(forbidden.title).toBe('You may not do this');
    expect(forbidden.detail).toBe('not your item');
    const conflict = describeError(new ApiError(409, 'the campaign is closed'));
    expect(conflict.title).toMatch(/conflicts/);
    expect(conflict.detail).toBe('the campaign is closed');
    for (const status of [400, 401, 404, 429, 500]) {
      expect(describeError(new ApiError(status, 'm')).action.length).toBeGreaterThan(10);
    }
    expect(describeError(new TypeError('Failed to fetch')).title).toMatch(/cannot be reached/);
  });
});
