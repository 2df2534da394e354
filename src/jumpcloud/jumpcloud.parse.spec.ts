import { parseAdministrator, parseSystemUser, systemUserMfa } from './jumpcloud.parse';

describe('MFA state of a JumpCloud account', () => {
  it('reads a system user as enrolled when any of mfa.configured, totp_enabled or mfaEnrollment says so', () => {
    expect(systemUserMfa({ mfa: { configured: true, exclusion: false } })).toBe(true);
    expect(systemUserMfa({ mfa: { configured: false }, totp_enabled: true })).toBe(true);
    expect(
      systemUserMfa({ mfaEnrollment: { overallStatus: 'NOT_ENROLLED', webAuthnStatus: 'ENROLLED' } }),
    ).toBe(true);
  });

  it('reads false only when JumpCloud reported a state and none is enrolled', () => {
    expect(
      systemUserMfa({
        mfa: { configured: false },
        totp_enabled: false,
        mfaEnrollment: { overallStatus: 'PENDING_ACTIVATION', totpStatus: 'NOT_ENROLLED' },
      }),
    ).toBe(false);
  });

  it('reads null (unknown, not "no MFA") when no MFA field came back', () => {
    expect(systemUserMfa({})).toBeNull();
    expect(systemUserMfa({ mfa: null, totp_enabled: 'yes', mfaEnrollment: { overallStatus: 3 } })).toBeNull();
    expect(parseSystemUser({ _id: 'u1', email: 'a@b.c', username: 'a' }).mfaConfigured).toBeNull();
  });

  it('reads an administrator from totpEnrolled', () => {
    expect(parseAdministrator({ _id: 'a1', email: 'a@b.c', totpEnrolled: false }).mfaConfigured).toBe(false);
    expect(parseAdministrator({ _id: 'a1', email: 'a@b.c', totpEnrolled: true }).mfaConfigured).toBe(true);
    expect(parseAdministrator({ _id: 'a1', email: 'a@b.c' }).mfaConfigured).toBeNull();
  });
});
