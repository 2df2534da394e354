import { describe, expect, it } from 'vitest';
import { needsCsrf, readCookie, signInUrl } from './csrf';

describe('csrf', () => {
  it('reads one cookie among several, decoded', () => {
    expect(readCookie('a=1; jg_csrf=ab%2Bc; b=2', 'jg_csrf')).toBe('ab+c');
    expect(readCookie('jg_csrf_x=1; xjg_csrf=2', 'jg_csrf')).toBeNull();
    expect(readCookie('', 'jg_csrf')).toBeNull();
  });

  it('only writes need the header', () => {
    expect(['GET', 'head', 'OPTIONS'].map(needsCsrf)).toEqual([false, false, false]);
    expect(['POST', 'put', 'PATCH', 'DELETE'].map(needsCsrf)).toEqual([true, true, true, true]);
  });

  it('sends a signed-out person to sign-in and back to the same page', () => {
    expect(signInUrl('/reviews?campaignId=1&x=2')).toBe(
      '/auth/login?returnTo=%2Freviews%3FcampaignId%3D1%26x%3D2',
    );
  });
});
