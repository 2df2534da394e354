import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

/** Who made a membership change, as the history routes and `drift_detected` say it (API.md). */
export interface ChangedBy {
  type: 'admin' | 'api_key' | 'scim' | 'jumpgate' | 'unknown';
  email?: string;
  name?: string;
}

/** A membership a sync saw appear in JumpCloud without jumpgate (directory's finding). */
export interface DriftAdd {
  connectionId: string;
  /** The sync run that saw it: with the account and group, it names the event. */
  runId: string;
  accountId: string;
  groupId: string;
  membershipMethod: string;
  /** Null when Directory Insights could not be read. */
  changedBy: ChangedBy | null;
}

/**
 * What the group's policy made of one add (API.md `outOfBandAdds`): `jumpgate` when it was jumpgate's
 * own add after all (an operation that landed before it settled), which is no drift at all.
 */
export interface DriftResponse {
  action: 'allow' | 'review' | 'revert' | 'jumpgate';
  /** The group's owners (drift_detected goes to them, else to the admins). */
  ownerIds: string[];
  /** Why the policy's choice was not applied as is (a dynamic group is never reverted), else null. */
  note: string | null;
}

export interface DriftOutcome {
  responses: DriftResponse[];
  /** Work for after the sync's transaction commits (dispatching the removals it enqueued). */
  afterCommit: () => Promise<void>;
}

export type DriftHandler = (m: EntityManager, adds: DriftAdd[]) => Promise<DriftOutcome>;

/**
 * The port between directory, which finds drift, and access, which owns the group policy that says
 * what to do with it (ARCHITECTURE.md "Modules": directory knows none of its consumers). Directory
 * calls `respond` inside the sync's transaction; access registers the handler at module init and
 * acts in that same transaction (a review item through StandingReviews, a removal through the
 * outbox), so a sync's findings and what they caused commit or roll back together.
 */
@Injectable()
export class DriftResponders {
  private handler: DriftHandler | null = null;

  /** Access registers itself (once per process). */
  register(handler: DriftHandler): void {
    this.handler = handler;
  }

  async respond(m: EntityManager, adds: DriftAdd[]): Promise<DriftOutcome> {
    if (!m.queryRunner?.isTransactionActive) {
      throw new Error(
        'DriftResponders.respond must run inside the transaction of the sync that saw the drift',
      );
    }
    if (adds.length === 0) return { responses: [], afterCommit: () => Promise.resolve() };
    // Every process loads AccessModule: a missing handler is a wiring bug; failing the sync's
    // transaction keeps the drift for the next run instead of losing what the policy says.
    if (!this.handler) throw new Error('No drift handler is registered (AccessModule)');
    return this.handler(m, adds);
  }
}

/** Who made a change, in words for a message. */
export function describeChanger(by: ChangedBy | null): string {
  if (by === null) return 'someone outside jumpgate (Directory Insights could not be read)';
  const who = by.email ?? by.name;
  switch (by.type) {
    case 'admin':
      return who ? `the JumpCloud administrator ${who}` : 'a JumpCloud administrator';
    case 'api_key':
      return who ? `an API key or service account (${who})` : 'an API key or service account';
    case 'scim':
      return who ? `SCIM provisioning (${who})` : 'SCIM provisioning';
    case 'jumpgate':
      return 'jumpgate';
    case 'unknown':
      return 'someone outside jumpgate (no Directory Insights event names them)';
  }
}
