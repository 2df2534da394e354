/**
 * The emulator's organisation, kept compact so 100,000 users, 10,000 groups and 1,000,000
 * memberships fit in modest memory: records are addressed by slot (their index), and each group's
 * members are a sorted Uint32Array of user slots, so membership tests are binary searches and a
 * page of members is a slice. Ids grow with slots, so slot order is `_id` order.
 */

export type UserState = 'ACTIVATED' | 'SUSPENDED' | 'STAGED';
export type MembershipMethod = 'NOTSET' | 'STATIC' | 'DYNAMIC_REVIEW_REQUIRED' | 'DYNAMIC_AUTOMATED';

export interface UserRec {
  id: string;
  username: string;
  email: string;
  firstname: string;
  lastname: string;
  displayname: string;
  state: UserState;
  /** Slot of the manager, or -1. */
  manager: number;
  department: string;
  jobTitle: string;
  employeeIdentifier: string;
  employeeType: string;
  company: string;
  costCenter: string;
  location: string;
  created: string;
  /** Administrator linked to this user (same person), or -1. */
  admin: number;
  /** Whether the user has enrolled an MFA factor (served as `mfa.configured`, `totp_enabled`, `mfaEnrollment`). */
  mfaConfigured: boolean;
  unixId: number;
  deleted: boolean;
}

export interface AdminRec {
  id: string;
  email: string;
  firstname: string;
  lastname: string;
  roleName: string;
  suspended: boolean;
  enableMultiFactor: boolean;
  created: string;
}

export interface GroupRec {
  id: string;
  name: string;
  description: string;
  membershipMethod: MembershipMethod;
  /** Department a dynamic group's rule selects on. */
  ruleDepartment: string;
  posixId: number;
  members: Uint32Array;
  size: number;
  deleted: boolean;
}

export interface AppRec {
  id: string;
  name: string;
  displayName: string;
  displayLabel: string;
  description: string;
  active: boolean;
  created: string;
  ssoUrl: string;
  groups: number[];
  users: number[];
}

export interface OrgRec {
  id: string;
  displayName: string;
  created: string;
}

/** 24 lowercase hex characters shaped like a Mongo ObjectId: time prefix, kind, seed, counter. */
export function makeId(seed: number, kind: number, counter: number): string {
  const prefix = (0x60000000 + ((seed >>> 0) % 0x0fffffff)).toString(16).padStart(8, '0');
  return (
    prefix +
    kind.toString(16).padStart(2, '0') +
    ((Math.imul(seed, 2654435761) >>> 8) & 0xffffff).toString(16).padStart(6, '0') +
    counter.toString(16).padStart(8, '0')
  );
}

export const ID_KIND = { org: 0, user: 1, admin: 2, group: 3, app: 4 } as const;

function lowerBound(arr: Uint32Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Store {
  org: OrgRec = { id: '', displayName: '', created: '' };
  readonly users: UserRec[] = [];
  readonly admins: AdminRec[] = [];
  readonly groups: GroupRec[] = [];
  readonly apps: AppRec[] = [];
  readonly userSlotById = new Map<string, number>();
  readonly groupSlotById = new Map<string, number>();
  readonly appSlotById = new Map<string, number>();
  readonly adminSlotById = new Map<string, number>();
  private liveUsers: number[] | null = null;
  private liveGroups: number[] | null = null;
  counters = { user: 0, group: 0, admin: 0, app: 0 };

  constructor(readonly seed: number) {}

  // -------- indexes of live records, in id order (rebuilt lazily after a deletion)

  userSlots(): number[] {
    if (this.liveUsers === null) {
      const out: number[] = [];
      this.users.forEach((u, i) => {
        if (!u.deleted) out.push(i);
      });
      this.liveUsers = out;
    }
    return this.liveUsers;
  }

  groupSlots(): number[] {
    if (this.liveGroups === null) {
      const out: number[] = [];
      this.groups.forEach((g, i) => {
        if (!g.deleted) out.push(i);
      });
      this.liveGroups = out;
    }
    return this.liveGroups;
  }

  userSlot(id: string): number | undefined {
    const s = this.userSlotById.get(id);
    return s !== undefined && !this.users[s].deleted ? s : undefined;
  }

  groupSlot(id: string): number | undefined {
    const s = this.groupSlotById.get(id);
    return s !== undefined && !this.groups[s].deleted ? s : undefined;
  }

  // -------- records

  addUser(u: Omit<UserRec, 'id' | 'deleted'>): number {
    const slot = this.users.length;
    const id = makeId(this.seed, ID_KIND.user, this.counters.user++);
    this.users.push({ ...u, id, deleted: false });
    this.userSlotById.set(id, slot);
    this.liveUsers?.push(slot);
    return slot;
  }

  addAdmin(a: Omit<AdminRec, 'id'>): number {
    const slot = this.admins.length;
    const id = makeId(this.seed, ID_KIND.admin, this.counters.admin++);
    this.admins.push({ ...a, id });
    this.adminSlotById.set(id, slot);
    return slot;
  }

  addGroup(g: Omit<GroupRec, 'id' | 'deleted' | 'members' | 'size'>, members?: Uint32Array): number {
    const slot = this.groups.length;
    const id = makeId(this.seed, ID_KIND.group, this.counters.group++);
    const m = members ?? new Uint32Array(4);
    this.groups.push({ ...g, id, deleted: false, members: m, size: members ? members.length : 0 });
    this.groupSlotById.set(id, slot);
    this.liveGroups?.push(slot);
    return slot;
  }

  addApp(a: Omit<AppRec, 'id'>): number {
    const slot = this.apps.length;
    const id = makeId(this.seed, ID_KIND.app, this.counters.app++);
    this.apps.push({ ...a, id });
    this.appSlotById.set(id, slot);
    return slot;
  }

  /** Deleting a user removes its memberships, app bindings and manager references, as JumpCloud would. */
  deleteUser(slot: number): void {
    const u = this.users[slot];
    if (u === undefined || u.deleted) return;
    u.deleted = true;
    this.liveUsers = null;
    for (const g of this.groups) if (!g.deleted) this.removeMemberFrom(g, slot);
    for (const a of this.apps) {
      const i = a.users.indexOf(slot);
      if (i >= 0) a.users.splice(i, 1);
    }
    for (const other of this.users) if (other.manager === slot) other.manager = -1;
  }

  deleteGroup(slot: number): void {
    const g = this.groups[slot];
    if (g === undefined || g.deleted) return;
    g.deleted = true;
    g.members = new Uint32Array(0);
    g.size = 0;
    this.liveGroups = null;
    for (const a of this.apps) {
      const i = a.groups.indexOf(slot);
      if (i >= 0) a.groups.splice(i, 1);
    }
  }

  // -------- memberships

  isMember(groupSlot: number, userSlot: number): boolean {
    const g = this.groups[groupSlot];
    const i = lowerBound(g.members, g.size, userSlot);
    return i < g.size && g.members[i] === userSlot;
  }

  /** Returns false when the user already was a member. */
  addMember(groupSlot: number, userSlot: number): boolean {
    const g = this.groups[groupSlot];
    const i = lowerBound(g.members, g.size, userSlot);
    if (i < g.size && g.members[i] === userSlot) return false;
    if (g.size === g.members.length) {
      const grown = new Uint32Array(Math.max(4, g.members.length * 2));
      grown.set(g.members.subarray(0, g.size));
      g.members = grown;
    }
    g.members.copyWithin(i + 1, i, g.size);
    g.members[i] = userSlot;
    g.size++;
    return true;
  }

  /** Returns false when the user was not a member. */
  removeMember(groupSlot: number, userSlot: number): boolean {
    return this.removeMemberFrom(this.groups[groupSlot], userSlot);
  }

  private removeMemberFrom(g: GroupRec, userSlot: number): boolean {
    const i = lowerBound(g.members, g.size, userSlot);
    if (i >= g.size || g.members[i] !== userSlot) return false;
    g.members.copyWithin(i, i + 1, g.size);
    g.size--;
    return true;
  }

  /** Groups a user is a direct member of (a scan over groups: only used by rare endpoints). */
  groupsOf(userSlot: number): number[] {
    const out: number[] = [];
    for (const gs of this.groupSlots()) if (this.isMember(gs, userSlot)) out.push(gs);
    return out;
  }

  membershipCount(): number {
    let n = 0;
    for (const gs of this.groupSlots()) n += this.groups[gs].size;
    return n;
  }
}
