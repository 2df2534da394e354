import { type AwaitingVerification, verifyOperations } from './operation-verification.policy';

let n = 0;
function op(
  action: AwaitingVerification['action'],
  status: 'succeeded' | 'failed',
  writeUncertain = false,
): AwaitingVerification {
  n++;
  return {
    id: `op${n}`,
    action,
    status,
    account_id: `a${n}`,
    group_id: `g${n}`,
    write_uncertain: writeUncertain,
  };
}
const listed = (...ops: AwaitingVerification[]) => new Set(ops.map((o) => `${o.group_id}:${o.account_id}`));

describe('verifyOperations', () => {
  it('confirms a succeeded add by the member and a removal by its absence; the opposite contradicts', () => {
    const [addHeld, addGone, removeHeld, removeBack] = [
      op('add_member', 'succeeded'),
      op('add_member', 'succeeded'),
      op('remove_member', 'succeeded'),
      op('remove_member', 'succeeded'),
    ];
    const v = verifyOperations([addHeld, addGone, removeHeld, removeBack], listed(addHeld, removeBack));
    expect(v).toEqual({
      confirmed: [addHeld.id, removeHeld.id],
      contradicted: [addGone.id, removeBack.id],
      landed: [],
    });
  });

  it('confirms a failed add by the absence; a listed member means it landed after all', () => {
    const [stayedOut, landedLate] = [op('add_member', 'failed', true), op('add_member', 'failed', true)];
    const v = verifyOperations([stayedOut, landedLate], listed(landedLate));
    expect(v).toEqual({ confirmed: [stayedOut.id], contradicted: [landedLate.id], landed: [landedLate] });
  });

  it('hands a succeeded add with an uncertain attempt to its source when its member is listed', () => {
    const [uncertain, certain, uncertainGone] = [
      op('add_member', 'succeeded', true),
      op('add_member', 'succeeded'),
      op('add_member', 'succeeded', true),
    ];
    const v = verifyOperations([uncertain, certain, uncertainGone], listed(uncertain, certain));
    expect(v.landed).toEqual([uncertain]);
    expect(v.confirmed).toEqual([uncertain.id, certain.id]);
  });
});
