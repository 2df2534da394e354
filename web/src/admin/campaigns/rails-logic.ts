import type { components } from '../../api/schema';

export type RemediationPreview = components['schemas']['RemediationPreviewResponse'];
export type RemediationWarning = components['schemas']['RemediationWarning'];
type WarningCode = components['schemas']['RemediationWarningCode'];

/** Each kind of preview warning, named for people (the server's sentence follows it). */
const WARNING_TITLES: Record<WarningCode, string> = {
  group_bound_to_applications: 'Takes away applications',
  administrator_account: 'Administrator account',
  group_would_become_empty: 'Group would become empty',
  manual_remediation: 'Removals left to be done by hand',
};

export const warningTitle = (code: WarningCode): string => WARNING_TITLES[code];

/** The warnings grouped by kind, in a fixed order (applications, administrators, empty groups, manual). */
export function warningsByKind(
  warnings: readonly RemediationWarning[],
): { code: WarningCode; title: string; items: RemediationWarning[] }[] {
  return (Object.keys(WARNING_TITLES) as WarningCode[])
    .map((code) => ({ code, title: WARNING_TITLES[code], items: warnings.filter((w) => w.code === code) }))
    .filter((k) => k.items.length > 0);
}

/** A share 0–1 as a percent with no more than one decimal: 0.333… → "33.3 %", 1 → "100 %". */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

/** "1 of 2 approvals recorded": how far the release of held removals has come. */
export function approvalsText(release: RemediationPreview['release']): string {
  const n = release.approvals.length;
  return `${n} of ${release.approvalsRequired} approval${release.approvalsRequired === 1 ? '' : 's'} recorded`;
}

/** What a close does with the removals, in one sentence for the preview's heading. */
export function previewSummary(p: Pick<RemediationPreview, 'total' | 'wouldHold'>, closed: boolean): string {
  if (p.total === 0) return closed ? 'The close removed nothing.' : 'A close now would remove nothing.';
  const held = p.wouldHold === 0 ? 'none held' : `${p.wouldHold} held for a second admin`;
  return closed
    ? `The close removed ${p.total - p.wouldHold} of ${p.total} memberships; ${p.wouldHold} still held.`
    : `A close now would remove ${p.total} memberships: ${p.total - p.wouldHold} at once, ${held}.`;
}
