import { type Actor, systemActor } from '../platform/actor';
import { type AppError } from '../platform/http/app-error';
import {
  checkDecision,
  checkReviewItemAction,
  notPendingError,
  reassignTargetError,
} from './review-decision.policy';

const principal = (id: string, email: string, roles: ('admin' | 'auditor')[] = []): Actor => ({
  type: 'principal',
  id,
  email,
  roles,
  isBootstrap: false,
  auth: { via: 'token' },
});

const reviewer = principal('r1', 'reviewer@example.com');
const admin = principal('a1', 'admin@example.com', ['admin']);
const item = { reviewer_id: 'r1', account_email: 'member@example.com', campaign_status: 'active' as const };

const codeOf = (check: ReturnType<typeof checkReviewItemAction>): string | undefined =>
  check.ok ? undefined : check.error.code;

describe('review decision policy', () => {
  it('lets the assigned reviewer act, not as an override', () => {
    expect(checkReviewItemAction(reviewer, item, 'decide')).toEqual({ ok: true, override: false });
    expect(checkReviewItemAction(reviewer, item, 'reassign')).toEqual({ ok: true, override: false });
  });

  it('lets an admin act on another reviewer’s item as an override', () => {
    expect(checkReviewItemAction(admin, item, 'decide')).toEqual({ ok: true, override: true });
  });

  it('refuses anyone else, naming the action', () => {
    const other = principal('o1', 'other@example.com', ['auditor']);
    const decide = checkReviewItemAction(other, item, 'decide');
    expect(decide).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(codeOf(decide)).toBe('forbidden');
    expect(!decide.ok && decide.error.message).toBe(
      'Only the assigned reviewer or an admin may decide this item',
    );
    const reassign = checkReviewItemAction(other, item, 'reassign');
    expect(!reassign.ok && reassign.error.message).toBe(
      'Only the assigned reviewer or an admin may reassign this item',
    );
    expect(codeOf(checkReviewItemAction(systemActor('job'), item, 'decide'))).toBe('forbidden');
  });

  it('refuses a decision about one’s own access, admins included', () => {
    const self = principal('a2', ' Member@Example.com ', ['admin']);
    const check = checkReviewItemAction(self, item, 'decide');
    expect(check).toMatchObject({ ok: false, reason: 'separation_of_duties' });
    expect(codeOf(check)).toBe('separation_of_duties');
  });

  it('refuses once the campaign is no longer active', () => {
    const closing = { ...item, campaign_status: 'closing' as const };
    const decide = checkReviewItemAction(reviewer, closing, 'decide');
    expect(decide).toMatchObject({ ok: false, reason: 'campaign_not_active' });
    expect(codeOf(decide)).toBe('invalid_state');
    expect(!decide.ok && decide.error.message).toBe('The campaign is closing; decisions are closed');
    const reassign = checkReviewItemAction(reviewer, closing, 'reassign');
    expect(!reassign.ok && reassign.error.message).toBe(
      'The campaign is closing; items cannot be reassigned',
    );
  });

  it('requires a justification to revoke, after the permission checks', () => {
    expect(checkDecision(reviewer, item, 'keep')).toEqual({ ok: true, override: false });
    const bare = checkDecision(reviewer, item, 'revoke', '  ');
    expect(bare).toMatchObject({ ok: false, reason: 'justification_required' });
    expect(codeOf(bare)).toBe('justification_required');
    expect(checkDecision(reviewer, item, 'revoke', 'left the team')).toEqual({ ok: true, override: false });
    const other = principal('o1', 'other@example.com');
    expect(checkDecision(other, item, 'revoke')).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('accepts only an enabled principal other than the bootstrap admin and the member as a new reviewer', () => {
    const target = { email: 'new@example.com', disabled: false, is_bootstrap: false };
    const code = (e: AppError | null): string | undefined => e?.code;
    expect(reassignTargetError(target, item)).toBeNull();
    expect(code(reassignTargetError(null, item))).toBe('validation_failed');
    expect(code(reassignTargetError({ ...target, disabled: true }, item))).toBe('validation_failed');
    expect(code(reassignTargetError({ ...target, is_bootstrap: true }, item))).toBe('bootstrap_cannot_act');
    expect(code(reassignTargetError({ ...target, email: 'MEMBER@example.com' }, item))).toBe(
      'validation_failed',
    );
  });

  it("makes a standing campaign's decision final once made (it was acted on), a regular one changeable", () => {
    const standing = { ...item, campaign_kind: 'standing' as const };
    expect(checkDecision(reviewer, { ...standing, status: 'pending' }, 'keep')).toEqual({
      ok: true,
      override: false,
    });
    const again = checkDecision(reviewer, { ...standing, status: 'decided' }, 'revoke', 'left');
    expect(again).toMatchObject({ ok: false, reason: 'decision_final' });
    expect(codeOf(again)).toBe('invalid_state');
    expect(checkDecision(admin, { ...standing, status: 'decided' }, 'keep')).toMatchObject({ ok: false });
    // Reassigning a decided standing item changes nothing that was acted on.
    expect(checkReviewItemAction(reviewer, { ...standing, status: 'decided' }, 'reassign').ok).toBe(true);
    expect(checkDecision(reviewer, { ...item, campaign_kind: 'regular', status: 'decided' }, 'keep').ok).toBe(
      true,
    );
  });

  it('lets a Slack digest act on pending items only, saying what happened to the others', () => {
    expect(notPendingError({ status: 'pending', decision: null })).toBeNull();
    expect(notPendingError({ status: 'decided', decision: 'keep' })?.message).toBe(
      'This item was already decided (keep); change it in the web app',
    );
    expect(notPendingError({ status: 'expired', decision: null })).toMatchObject({ code: 'invalid_state' });
  });
});
