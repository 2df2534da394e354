import { describe, expect, it } from 'vitest';
import { SIGNIN_ERRORS, signinError } from './signin-errors';

describe('sign-in error page', () => {
  it('explains every refusal code API.md lists', () => {
    const codes = [
      'state_mismatch',
      'provider_error',
      'invalid_token',
      'email_unverified',
      'no_account',
      'account_inactive',
      'principal_disabled',
      'identity_conflict',
    ];
    expect(Object.keys(SIGNIN_ERRORS).sort()).toEqual([...codes].sort());
    const titles = new Set(codes.map((c) => signinError(c).title));
    expect(titles.size).toBe(codes.length);
  });

  it('answers an unknown or missing code without inventing a reason', () => {
    expect(signinError('toString').title).toBe('Sign-in failed');
    expect(signinError(null).title).toBe('Sign-in failed');
  });
});
