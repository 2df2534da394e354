import { JumpCloudError } from './jumpcloud.errors';
import { type HttpResponse } from './jumpcloud.http';
import { type JumpCloudReads } from './jumpcloud.reads';
import { type CallSpec, type JumpCloudTransport } from './jumpcloud.transport';
import type { MembershipWriteOutcome } from './jumpcloud.types';

/**
 * The only writes jumpgate makes to JumpCloud: a system user into or out of a user group, each
 * idempotent, each telling whether an attempt may have landed (ARCHITECTURE.md rules 2 and 3).
 */
export class JumpCloudMembershipWrites {
  constructor(
    private readonly t: JumpCloudTransport,
    private readonly reads: JumpCloudReads,
  ) {}

  /**
   * Adds a system user to a user group. JumpCloud answers 409 for an existing member (API-NOTES
   * E9). A 409 on the first attempt is someone else's membership (`already_member`); a 409 after an
   * attempt that may have reached JumpCloud (timeout, lost connection, 5xx) is our own add that
   * landed (`added`). A failure after such an attempt says so (`mayHaveLanded`), and so does
   * `track` when given, also on success: an attempt that timed out may still be applied later.
   */
  async addUserToGroup(
    groupId: string,
    userId: string,
    track: { mayHaveLanded: boolean } = { mayHaveLanded: false },
  ): Promise<MembershipWriteOutcome> {
    const res = await this.write(track, {
      method: 'POST',
      path: `/v2/usergroups/${this.t.id(groupId)}/members`,
      body: { op: 'add', type: 'user', id: userId },
      orgScoped: true,
      area: 'groups',
      accept: [409],
      track,
    });
    if (res.status !== 409) return 'added';
    return track.mayHaveLanded ? 'added' : 'already_member';
  }

  /**
   * Removes a system user from a user group. JumpCloud answers 404 both for "not a member" and for
   * an unknown group (API-NOTES E9), so on 404 the group is read: if it exists the user is not a
   * member (success: `not_member`, or `removed` when an earlier attempt may have done it); if not,
   * `not_found`.
   */
  async removeUserFromGroup(groupId: string, userId: string): Promise<MembershipWriteOutcome> {
    const track = { mayHaveLanded: false };
    const res = await this.write(track, {
      method: 'POST',
      path: `/v2/usergroups/${this.t.id(groupId)}/members`,
      body: { op: 'remove', type: 'user', id: userId },
      orgScoped: true,
      area: 'groups',
      accept: [404],
      track,
    });
    if (res.status !== 404) return 'removed';
    await this.reads.getUserGroup(groupId);
    return track.mayHaveLanded ? 'removed' : 'not_member';
  }

  /** A membership write: its failure carries whether an earlier attempt may have been applied. */
  private async write(track: { mayHaveLanded: boolean }, spec: CallSpec): Promise<HttpResponse> {
    try {
      return await this.t.call(spec);
    } catch (e) {
      throw e instanceof JumpCloudError && track.mayHaveLanded && !e.mayHaveLanded
        ? e.withMayHaveLanded()
        : e;
    }
  }
}
