/** Every refusal code of `GET /auth/callback` (API.md "Sign-in and sessions"), in plain words. */
export const SIGNIN_ERRORS = {
  state_mismatch: {
    title: 'The sign-in took too long or was started elsewhere',
    explain:
      'The answer from your identity provider did not match a sign-in started in this browser, for example because it took too long, or cookies are blocked.',
    action: 'Start again from the sign-in button in this browser, and allow cookies for this site.',
  },
  provider_error: {
    title: 'Your identity provider refused or failed',
    explain:
      'The identity provider answered with an error instead of signing you in (you may have cancelled).',
    action: 'Try again; if it keeps failing, tell your IT team that the provider refused the sign-in.',
  },
  invalid_token: {
    title: 'The sign-in could not be verified',
    explain:
      "The identity provider's answer failed a check (signature, issuer, audience or expiry), so jumpgate did not trust it.",
    action:
      "Try again; if it persists, your administrator should check jumpgate's OpenID settings and the server clock.",
  },
  email_unverified: {
    title: 'Your email address is not verified',
    explain:
      'The identity provider says your email address is not verified, and jumpgate identifies people by it.',
    action: 'Verify your email address with your identity provider, then sign in again.',
  },
  no_account: {
    title: 'No active directory account has your email',
    explain: 'jumpgate lets in people whose email belongs to an active account of the synced directory.',
    action: 'Ask your administrator whether your account is in the directory jumpgate syncs.',
  },
  account_inactive: {
    title: 'Your directory account is suspended or removed',
    explain: 'Your account exists but is not active in the directory, so you cannot sign in.',
    action: 'Ask your IT team to reactivate your account.',
  },
  principal_disabled: {
    title: 'Your jumpgate access is disabled',
    explain: 'An administrator has disabled your jumpgate principal.',
    action: 'Ask a jumpgate administrator to enable it again.',
  },
  identity_conflict: {
    title: 'Your email is bound to another identity',
    explain:
      'Someone signed in with this email before under a different identity of the provider; jumpgate refuses a second one so nobody can take over an account.',
    action: 'Ask a jumpgate administrator to check which identity your principal is bound to.',
  },
} as const satisfies Record<string, { title: string; explain: string; action: string }>;

export type SigninErrorCode = keyof typeof SIGNIN_ERRORS;

export function signinError(code: string | null) {
  if (code && Object.hasOwn(SIGNIN_ERRORS, code)) return SIGNIN_ERRORS[code as SigninErrorCode];
  return {
    title: 'Sign-in failed',
    explain: 'jumpgate could not sign you in, and did not say why.',
    action: 'Try again; if it persists, tell your jumpgate administrator.',
  };
}
