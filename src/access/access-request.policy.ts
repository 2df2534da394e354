import { AppError } from '../platform/http/app-error';
import { type CreateRequestDto } from './dto/access.dto';
import { type PolicyRow } from './dto/access.rows';

/** A request nobody decides within this time ends `expired` (API.md). */
export const REQUEST_TTL_HOURS = 72;

/**
 * The duration and justification a request is made with under its group's policy: the requested
 * duration, else the policy's default, else its maximum, never above the maximum.
 */
export function requestTerms(
  policy: Pick<PolicyRow, 'default_duration_minutes' | 'max_duration_minutes' | 'require_justification'>,
  dto: Pick<CreateRequestDto, 'durationMinutes' | 'justification'>,
): { duration: number; justification: string | null } {
  const duration = dto.durationMinutes ?? policy.default_duration_minutes ?? policy.max_duration_minutes;
  if (duration > policy.max_duration_minutes) {
    throw new AppError(
      'duration_exceeds_policy',
      `durationMinutes may be at most ${policy.max_duration_minutes} for this group`,
    );
  }
  const justification = dto.justification?.trim() || null;
  if (policy.require_justification && !justification) {
    throw new AppError('justification_required', 'This group requires a justification');
  }
  return { duration, justification };
}

/** How far ahead a request may schedule its start (API.md "Just-in-time additions"). */
export const MAX_START_AHEAD_DAYS = 30;

/** A request's scheduled start: null for none or a time already past (it starts at once), else 400 beyond 30 days. */
export function scheduledStart(startsAt: string | undefined, now: Date): Date | null {
  if (startsAt === undefined) return null;
  const at = new Date(startsAt);
  if (at.getTime() <= now.getTime()) return null;
  if (at.getTime() > now.getTime() + MAX_START_AHEAD_DAYS * 86_400_000) {
    throw new AppError('starts_too_late', `startsAt may be at most ${MAX_START_AHEAD_DAYS} days ahead`);
  }
  return at;
}
