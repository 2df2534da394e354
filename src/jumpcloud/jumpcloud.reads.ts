import { type JumpCloudTransport, type ListOptions } from './jumpcloud.transport';
import {
  parseAdministrator,
  parseApplication,
  parseGraphObject,
  parseGraphTarget,
  parseOrganization,
  parseSystemUser,
  SYSTEM_USER_FIELDS,
  parseUserGroup,
} from './jumpcloud.parse';
import type {
  JumpCloudAdministrator,
  JumpCloudApplication,
  JumpCloudApplicationGroup,
  JumpCloudGroupMember,
  JumpCloudOrganization,
  JumpCloudPage,
  JumpCloudSystemUser,
  JumpCloudUserGroup,
} from './jumpcloud.types';

/**
 * What jumpgate reads from JumpCloud: listings as async iterators of pages (a caller never holds a
 * whole organisation in memory), single records, and one membership asked of JumpCloud itself.
 */
export class JumpCloudReads {
  constructor(private readonly t: JumpCloudTransport) {}

  /** System users in every state (v1 `/systemusers`, sorted by `_id`), only the fields jumpgate reads. */
  listSystemUsers(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudSystemUser>> {
    return this.t.pages({
      version: 1,
      path: '/systemusers',
      query: { fields: SYSTEM_USER_FIELDS },
      orgScoped: true,
      area: 'users',
      what: 'system users',
      parse: parseSystemUser,
      ...opts,
    });
  }

  /**
   * The organisation's administrators (undocumented v1 `/users`, API-NOTES E4). `x-org-id` is sent:
   * JumpCloud's SDK strips it here but its PowerShell module and baton send it (§2c).
   */
  listAdministrators(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudAdministrator>> {
    return this.t.pages({
      version: 1,
      path: '/users',
      orgScoped: true,
      area: 'administrators',
      what: 'administrators',
      parse: parseAdministrator,
      ...opts,
    });
  }

  listUserGroups(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudUserGroup>> {
    return this.t.pages({
      version: 2,
      path: '/v2/usergroups',
      orgScoped: true,
      area: 'groups',
      what: 'user groups',
      parse: parseUserGroup,
      ...opts,
    });
  }

  /** Direct members of a user group (`/usergroups/{id}/members` takes only limit and skip). */
  listGroupMembers(
    groupId: string,
    opts: ListOptions = {},
  ): AsyncGenerator<JumpCloudPage<JumpCloudGroupMember>> {
    return this.t.pages({
      version: 2,
      path: `/v2/usergroups/${this.t.id(groupId)}/members`,
      orgScoped: true,
      area: 'groups',
      what: 'group members',
      parse: (raw) => parseGraphTarget(raw, 'group member'),
      ...opts,
    });
  }

  listApplications(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudApplication>> {
    return this.t.pages({
      version: 1,
      path: '/applications',
      orgScoped: true,
      area: 'applications',
      what: 'applications',
      parse: parseApplication,
      ...opts,
    });
  }

  /** User groups bound directly to an application (`associations?targets=user_group`). */
  listApplicationGroups(
    applicationId: string,
    opts: ListOptions = {},
  ): AsyncGenerator<JumpCloudPage<JumpCloudApplicationGroup>> {
    const appId = this.t.id(applicationId);
    return this.t.pages({
      version: 2,
      path: `/v2/applications/${appId}/associations`,
      query: { targets: 'user_group' },
      orgScoped: true,
      area: 'applications',
      what: 'application bindings',
      parse: (raw) => ({ applicationId, groupId: parseGraphTarget(raw, 'application binding').id }),
      ...opts,
    });
  }

  /** Organisations the credential can see. Organisation endpoints never carry `x-org-id`. */
  listOrganizations(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudOrganization>> {
    return this.t.pages({
      version: 1,
      path: '/organizations',
      orgScoped: false,
      area: 'organizations',
      what: 'organizations',
      parse: parseOrganization,
      ...opts,
    });
  }

  // ------------------------------------------------------------------ single reads

  async getSystemUser(userId: string): Promise<JumpCloudSystemUser> {
    const res = await this.t.call({
      method: 'GET',
      path: `/systemusers/${this.t.id(userId)}`,
      orgScoped: true,
      area: 'users',
    });
    return parseSystemUser(res.body);
  }

  async getUserGroup(groupId: string): Promise<JumpCloudUserGroup> {
    const res = await this.t.call({
      method: 'GET',
      path: `/v2/usergroups/${this.t.id(groupId)}`,
      orgScoped: true,
      area: 'groups',
    });
    return parseUserGroup(res.body);
  }

  // ------------------------------------------------------------------ membership read

  /**
   * Whether the system user is a member of the user group, asked of JumpCloud itself (not the
   * synced copy): `GET /v2/users/{user_id}/memberof?filter=object_id:eq:<group_id>` (E10). Of the
   * spec's exact questions this one needs the same permission area as the write (`groups`; the
   * group's `/membership` needs `users`), and its filter fields are `object_id` and `type`, so one
   * call answers with zero or one group. The answer is still matched by id and type, and pages are
   * followed, so a server that ignores the filter is answered exactly too (a user has few groups).
   */
  async isGroupMember(groupId: string, userId: string): Promise<boolean> {
    for await (const page of this.t.pages({
      version: 2,
      path: `/v2/users/${this.t.id(userId)}/memberof`,
      query: { filter: `object_id:eq:${groupId}` },
      orgScoped: true,
      area: 'groups',
      what: 'groups of a user',
      parse: (raw) => parseGraphObject(raw, 'group of a user'),
      readAhead: 1,
    })) {
      if (page.items.some((g) => g.id === groupId && (g.type === null || g.type === 'user_group')))
        return true;
    }
    return false;
  }
}
