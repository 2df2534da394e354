import { JumpCloudConnectionTest } from './jumpcloud.connection-test';
import { type JumpCloudConnectionRegistry, defaultConnectionRegistry } from './jumpcloud.connection-state';
import { JumpCloudInsights, type InsightsEvent, type InsightsQuery } from './jumpcloud.insights';
import { type LimiterSnapshot } from './jumpcloud.limiter';
import { JumpCloudMembershipWrites } from './jumpcloud.membership-writes';
import { type JumpCloudClientOptions } from './jumpcloud.options';
import { JumpCloudReads } from './jumpcloud.reads';
import { JumpCloudTransport, type ListOptions } from './jumpcloud.transport';
import type {
  JumpCloudAccessReport,
  JumpCloudAdministrator,
  JumpCloudApplication,
  JumpCloudApplicationGroup,
  JumpCloudGroupMember,
  JumpCloudOrganization,
  JumpCloudPage,
  JumpCloudSystemUser,
  JumpCloudUserGroup,
  MembershipWriteOutcome,
} from './jumpcloud.types';

export type { ListOptions } from './jumpcloud.transport';

/**
 * The only code in jumpgate that speaks HTTP to JumpCloud (ARCHITECTURE.md). Every failure leaves
 * it as a `JumpCloudError` with a closed `code`. One object per connection and caller, made of parts
 * that each say what they do: reads (jumpcloud.reads.ts), membership writes
 * (jumpcloud.membership-writes.ts) and the connection test (jumpcloud.connection-test.ts), all
 * over one transport (jumpcloud.transport.ts: auth, limits, retries, pagination).
 */
export class JumpCloudClient {
  readonly orgId: string;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly insightsUrl: string;
  private readonly reads: JumpCloudReads;
  private readonly writes: JumpCloudMembershipWrites;
  private readonly access: JumpCloudConnectionTest;
  private readonly insights: JumpCloudInsights;
  private readonly transport: JumpCloudTransport;

  constructor(
    options: JumpCloudClientOptions,
    registry: JumpCloudConnectionRegistry = defaultConnectionRegistry,
  ) {
    const t = new JumpCloudTransport(options, registry);
    this.transport = t;
    this.orgId = t.orgId;
    this.apiUrl = t.apiUrl;
    this.tokenUrl = t.tokenUrl;
    this.insightsUrl = t.insightsUrl;
    this.reads = new JumpCloudReads(t);
    this.writes = new JumpCloudMembershipWrites(t, this.reads);
    this.access = new JumpCloudConnectionTest(t, this.reads);
    this.insights = new JumpCloudInsights(t);
  }

  /**
   * The connection's adaptive concurrency (limit, ceiling, requests running and queued, how many
   * 429 windows halved it), shared by every client of the connection in this process.
   */
  get concurrency(): LimiterSnapshot {
    return this.transport.concurrency;
  }

  /** Directory Insights events, a page at a time (jumpcloud.insights.ts). */
  insightsEvents(query: InsightsQuery): AsyncGenerator<InsightsEvent[]> {
    return this.insights.events(query);
  }

  // Reads (see JumpCloudReads for each one's endpoint and rules).
  listSystemUsers(opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudSystemUser>> {
    return this.reads.listSystemUsers(opts);
  }
  listAdministrators(opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudAdministrator>> {
    return this.reads.listAdministrators(opts);
  }
  listUserGroups(opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudUserGroup>> {
    return this.reads.listUserGroups(opts);
  }
  listGroupMembers(groupId: string, opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudGroupMember>> {
    return this.reads.listGroupMembers(groupId, opts);
  }
  listApplications(opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudApplication>> {
    return this.reads.listApplications(opts);
  }
  listApplicationGroups(
    applicationId: string,
    opts?: ListOptions,
  ): AsyncGenerator<JumpCloudPage<JumpCloudApplicationGroup>> {
    return this.reads.listApplicationGroups(applicationId, opts);
  }
  listOrganizations(opts?: ListOptions): AsyncGenerator<JumpCloudPage<JumpCloudOrganization>> {
    return this.reads.listOrganizations(opts);
  }
  getSystemUser(userId: string): Promise<JumpCloudSystemUser> {
    return this.reads.getSystemUser(userId);
  }
  getUserGroup(groupId: string): Promise<JumpCloudUserGroup> {
    return this.reads.getUserGroup(groupId);
  }
  isGroupMember(groupId: string, userId: string): Promise<boolean> {
    return this.reads.isGroupMember(groupId, userId);
  }

  // Membership writes (see JumpCloudMembershipWrites for 409/404 and `track`).
  addUserToGroup(
    groupId: string,
    userId: string,
    track?: { mayHaveLanded: boolean },
  ): Promise<MembershipWriteOutcome> {
    return this.writes.addUserToGroup(groupId, userId, track);
  }
  removeUserFromGroup(groupId: string, userId: string): Promise<MembershipWriteOutcome> {
    return this.writes.removeUserFromGroup(groupId, userId);
  }

  // The connection test (see JumpCloudConnectionTest).
  getOrganization(): Promise<JumpCloudOrganization> {
    return this.access.getOrganization();
  }
  checkAccess(): Promise<JumpCloudAccessReport> {
    return this.access.checkAccess();
  }
}
