import { HttpStatus } from '@nestjs/common';

/**
 * Every domain error code and the HTTP status it maps to. Services throw AppError with one of these
 * codes and never an HTTP exception; adding a code without a status does not compile.
 */
export const ERROR_STATUS = {
  validation_failed: HttpStatus.BAD_REQUEST,
  invalid_cursor: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  separation_of_duties: HttpStatus.FORBIDDEN,
  // the bootstrap principal administers but never decides, approves, reassigns or holds a token
  bootstrap_cannot_act: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  invalid_state: HttpStatus.CONFLICT,
  email_taken: HttpStatus.CONFLICT,
  too_many_attempts: HttpStatus.TOO_MANY_REQUESTS,
  // connections (API.md): credentials tested before they are saved
  bad_credentials: HttpStatus.BAD_REQUEST,
  wrong_org: HttpStatus.BAD_REQUEST,
  missing_permission: HttpStatus.BAD_REQUEST,
  unavailable: HttpStatus.BAD_GATEWAY,
  connection_in_use: HttpStatus.CONFLICT,
  // just-in-time access (API.md)
  not_requestable: HttpStatus.BAD_REQUEST,
  not_eligible: HttpStatus.BAD_REQUEST,
  duration_exceeds_policy: HttpStatus.BAD_REQUEST,
  justification_required: HttpStatus.BAD_REQUEST,
  no_account: HttpStatus.BAD_REQUEST,
  dynamic_group: HttpStatus.BAD_REQUEST,
  already_member: HttpStatus.CONFLICT,
  request_pending: HttpStatus.CONFLICT,
  // an approver of a later step acting before the request reaches it
  not_this_step: HttpStatus.CONFLICT,
  // a scheduled start more than 30 days ahead
  starts_too_late: HttpStatus.BAD_REQUEST,
  // break-glass (API.md): not in this policy, while a grant is live, more than once a day
  break_glass_not_allowed: HttpStatus.BAD_REQUEST,
  grant_active: HttpStatus.CONFLICT,
  break_glass_rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  // audit (API.md): one verify at a time per process
  verify_in_progress: HttpStatus.TOO_MANY_REQUESTS,
  // sign-in and sessions (API.md)
  csrf: HttpStatus.FORBIDDEN,
  person_tokens_are_self_service: HttpStatus.FORBIDDEN,
  roles_from_groups: HttpStatus.CONFLICT,
  email_belongs_to_person: HttpStatus.CONFLICT,
  role_group: HttpStatus.BAD_REQUEST,
  // /auth/login while OIDC_ISSUER_URL, OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is unset
  sign_in_not_configured: HttpStatus.NOT_FOUND,
  // provisioning (API.md): a grant's operation is retried only while its grant waits for it
  grant_not_waiting: HttpStatus.CONFLICT,
  // campaigns (API.md): the last successful sync is older than the campaign's maxSyncAgeHours
  stale_directory: HttpStatus.CONFLICT,
  // campaigns (API.md): convert_to_jit needs a group someone may request
  group_not_requestable: HttpStatus.CONFLICT,
  // campaigns (API.md): held removals are released by an admin other than the closer and the bootstrap
  second_admin_required: HttpStatus.FORBIDDEN,
  // campaigns (API.md): a revoke may not leave no `Administrator With Billing` kept or pending
  last_administrator: HttpStatus.CONFLICT,
} as const satisfies Record<string, HttpStatus>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'You may not do this'): AppError => new AppError('forbidden', message);
