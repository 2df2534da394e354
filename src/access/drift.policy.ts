/** API.md group policy `outOfBandAdds`: what happens to a membership added in JumpCloud without jumpgate. */
export const OUT_OF_BAND_ADDS = ['allow', 'review', 'revert'] as const;
export type OutOfBandAdds = (typeof OUT_OF_BAND_ADDS)[number];
export const DEFAULT_OUT_OF_BAND_ADDS: OutOfBandAdds = 'allow';

/**
 * What jumpgate does with one out-of-band add under its group's policy. A dynamic group
 * (`DYNAMIC_*`) is never reverted: its rule would put the member back, and jumpgate does not fight
 * JumpCloud's rules; the add is sent for review instead, and the response says so.
 */
export function driftAction(
  policy: OutOfBandAdds,
  membershipMethod: string,
): { action: OutOfBandAdds; note: string | null } {
  if (policy === 'revert' && membershipMethod.startsWith('DYNAMIC_')) {
    return {
      action: 'review',
      note: `not reverted: ${membershipMethod} group members are set by its rule; sent for review instead`,
    };
  }
  return { action: policy, note: null };
}
