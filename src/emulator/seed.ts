import { createRng, intBetween, pick, type Rng } from './random';
import { ID_KIND, Store, makeId, type MembershipMethod, type UserState } from './store';

export interface SeedSizes {
  users: number;
  groups: number;
  /** Average direct group memberships per user; the total is exactly round(users × this). */
  membershipsPerUser: number;
  admins: number;
  apps: number;
}

export const DEFAULT_SIZES: SeedSizes = { users: 50, groups: 10, membershipsPerUser: 3, admins: 5, apps: 4 };

const FIRST = [
  'Ada',
  'Alan',
  'Amara',
  'Ana',
  'Arjun',
  'Beatriz',
  'Carlos',
  'Chen',
  'Chloe',
  'Dmitri',
  'Elena',
  'Emeka',
  'Fatima',
  'Grace',
  'Hana',
  'Hiro',
  'Ines',
  'Ivan',
  'Jamal',
  'Jin',
  'Julia',
  'Kofi',
  'Lars',
  'Leila',
  'Lucas',
  'Maya',
  'Mei',
  'Noah',
  'Olga',
  'Omar',
  'Priya',
  'Rafael',
  'Sara',
  'Sofia',
  'Tariq',
  'Tomas',
  'Uma',
  'Victor',
  'Wei',
  'Yara',
  'Zoe',
  'Zanele',
];
const LAST = [
  'Adeyemi',
  'Almeida',
  'Andersen',
  'Bauer',
  'Chowdhury',
  'Costa',
  'Dubois',
  'Eriksson',
  'Fischer',
  'Garcia',
  'Haddad',
  'Hoang',
  'Ivanova',
  'Jensen',
  'Kim',
  'Kowalski',
  'Larsen',
  'Lopez',
  'Mensah',
  'Moreau',
  'Nakamura',
  'Novak',
  'Okafor',
  'Olsen',
  'Patel',
  'Quinn',
  'Rossi',
  'Sato',
  'Schmidt',
  'Silva',
  'Singh',
  'Tanaka',
  'Tran',
  'Usman',
  'Varga',
  'Wang',
  'Weber',
  'Yilmaz',
  'Zhang',
  'Zulu',
];
const DEPARTMENTS: Record<string, string[]> = {
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager'],
  Infrastructure: ['Site Reliability Engineer', 'Platform Engineer', 'Infrastructure Manager'],
  Security: ['Security Engineer', 'Security Analyst', 'CISO'],
  Product: ['Product Manager', 'Senior Product Manager', 'Director of Product'],
  Design: ['Product Designer', 'UX Researcher', 'Design Lead'],
  Sales: ['Account Executive', 'Sales Development Representative', 'Sales Director'],
  Marketing: ['Marketing Manager', 'Content Strategist', 'Growth Analyst'],
  Support: ['Support Engineer', 'Support Specialist', 'Support Manager'],
  Finance: ['Accountant', 'Financial Analyst', 'Controller'],
  'People Ops': ['People Partner', 'Recruiter', 'Head of People'],
  Legal: ['Counsel', 'Paralegal', 'General Counsel'],
  IT: ['IT Administrator', 'IT Support Technician', 'IT Manager'],
};
const DEPT_NAMES = Object.keys(DEPARTMENTS);
const LOCATIONS = [
  'Berlin',
  'Boulder',
  'Lisbon',
  'London',
  'Nairobi',
  'New York',
  'Remote',
  'Singapore',
  'Toronto',
];
const PURPOSES = [
  'team',
  'admins',
  'leads',
  'contractors',
  'on-call',
  'readers',
  'writers',
  'prod-access',
  'vpn',
];
const ROLES = [
  'Administrator With Billing',
  'Administrator',
  'Manager',
  'Help Desk',
  'Read Only',
  'Command Runner',
  'Billing Only',
];
const APPS: [string, string][] = [
  ['slack', 'Slack'],
  ['github', 'GitHub'],
  ['salesforce', 'Salesforce'],
  ['zoom', 'Zoom'],
  ['aws', 'Amazon Web Services'],
  ['googleapps', 'Google Workspace'],
  ['atlassian', 'Atlassian Cloud'],
  ['dropbox', 'Dropbox'],
  ['notion', 'Notion'],
  ['figma', 'Figma'],
  ['zendesk', 'Zendesk'],
  ['hubspot', 'HubSpot'],
  ['datadog', 'Datadog'],
  ['pagerduty', 'PagerDuty'],
  ['workday', 'Workday'],
  ['1password', '1Password'],
];

const BASE_TIME = Date.UTC(2021, 0, 4, 9, 0, 0);

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

export function validateSizes(s: SeedSizes): void {
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new RangeError(`size ${k} must be a number ≥ 0`);
  }
  if (s.users > 1_000_000 || s.groups > 100_000 || s.admins > 10_000 || s.apps > 10_000) {
    throw new RangeError(
      'sizes above 1,000,000 users / 100,000 groups / 10,000 admins or apps are not supported',
    );
  }
  if (s.users * s.membershipsPerUser > 20_000_000) throw new RangeError('more than 20,000,000 memberships');
}

/**
 * A deterministic organisation: the same seed and sizes give the same ids, names and memberships.
 * Group popularity is skewed (a few large groups, a long tail of small ones), as in real tenants.
 */
export function generateOrganization(seed: number, sizes: SeedSizes): Store {
  validateSizes(sizes);
  const rng = createRng(seed);
  const store = new Store(seed);
  store.org = {
    id: makeId(seed, ID_KIND.org, 0),
    displayName: `Emulated Org ${seed}`,
    created: isoAt(BASE_TIME - 86_400_000 * 30),
  };
  const domain = `org${seed}.example.com`;
  const nUsers = Math.floor(sizes.users);

  for (let i = 0; i < nUsers; i++) {
    const firstname = pick(rng, FIRST);
    const lastname = pick(rng, LAST);
    const department = pick(rng, DEPT_NAMES);
    const r = rng();
    const state: UserState = r < 0.85 ? 'ACTIVATED' : r < 0.93 ? 'SUSPENDED' : 'STAGED';
    // Managers come from earlier users, giving a tree a few levels deep; some people have none.
    const manager = i === 0 || rng() < 0.03 ? -1 : Math.floor(rng() * Math.max(1, Math.floor(i / 8)));
    const local = `${firstname}.${lastname}${i}`.toLowerCase();
    store.addUser({
      username: local,
      email: `${local}@${domain}`,
      firstname,
      lastname,
      displayname: `${firstname} ${lastname}`,
      state,
      manager,
      department,
      jobTitle: pick(rng, DEPARTMENTS[department]),
      employeeIdentifier: `E${String(100000 + i)}`,
      employeeType: rng() < 0.9 ? 'Full-time' : 'Contractor',
      company: `Org ${seed} Inc.`,
      costCenter: `CC-${100 + DEPT_NAMES.indexOf(department)}`,
      location: pick(rng, LOCATIONS),
      created: isoAt(BASE_TIME + i * 3_600_000),
      admin: -1,
      // From the index, not the generator: drawing another number would change every later seeded value.
      mfaConfigured: i % 4 !== 3,
      unixId: 5000 + i,
    });
  }

  generateAdmins(store, rng, Math.floor(sizes.admins), nUsers, domain);
  const nGroups = Math.floor(sizes.groups);
  generateGroups(store, rng, nGroups, nUsers, sizes.membershipsPerUser);
  generateApps(store, rng, Math.floor(sizes.apps), nGroups, nUsers);
  return store;
}

function generateAdmins(store: Store, rng: Rng, n: number, nUsers: number, domain: string): void {
  // About 60% of administrators are also system users with the same email (seed 004's FAQ).
  const shared = Math.min(nUsers, Math.ceil(n * 0.6));
  const step = shared > 0 ? Math.max(1, Math.floor(nUsers / shared)) : 1;
  for (let i = 0; i < n; i++) {
    const roleName = i === 0 ? ROLES[0] : pick(rng, ROLES);
    const created = isoAt(BASE_TIME - 86_400_000 * (20 - (i % 20)));
    if (i < shared) {
      const userSlot = i * step;
      const u = store.users[userSlot];
      if (u === undefined) continue;
      const slot = store.addAdmin({
        email: u.email,
        firstname: u.firstname,
        lastname: u.lastname,
        roleName,
        suspended: false,
        enableMultiFactor: true,
        created,
      });
      u.admin = slot;
    } else {
      const firstname = pick(rng, FIRST);
      const lastname = pick(rng, LAST);
      store.addAdmin({
        email: `admin${i}.${lastname}@${domain}`.toLowerCase(),
        firstname,
        lastname,
        roleName,
        suspended: rng() < 0.1,
        enableMultiFactor: rng() < 0.8,
        created,
      });
    }
  }
}

function generateGroups(store: Store, rng: Rng, nGroups: number, nUsers: number, perUser: number): void {
  if (nGroups === 0) return;
  const meta: { name: string; method: MembershipMethod; dept: string }[] = [];
  for (let g = 0; g < nGroups; g++) {
    const dept = pick(rng, DEPT_NAMES);
    const r = rng();
    const method: MembershipMethod =
      g === 0
        ? 'STATIC'
        : r < 0.8
          ? 'STATIC'
          : r < 0.88
            ? 'NOTSET'
            : r < 0.95
              ? 'DYNAMIC_AUTOMATED'
              : 'DYNAMIC_REVIEW_REQUIRED';
    const name =
      g === 0 ? 'All Employees' : `${dept.toLowerCase().replace(/ /g, '-')}-${pick(rng, PURPOSES)}-${g}`;
    meta.push({ name, method, dept });
  }

  // Per-user membership counts that add up exactly to round(users × perUser), varied pairwise.
  const counts = new Uint32Array(nUsers);
  const maxPer = nGroups;
  for (let u = 0; u < nUsers; u++) {
    counts[u] = Math.min(maxPer, Math.floor((u + 1) * perUser) - Math.floor(u * perUser));
  }
  for (let u = 0; u + 1 < nUsers; u += 2) {
    const a = counts[u];
    const room = Math.min(a, maxPer - counts[u + 1]);
    const shift = room > 0 ? intBetween(rng, 0, room) : 0;
    counts[u] = a - shift;
    counts[u + 1] = counts[u + 1] + shift;
  }

  // Pick groups per user with a skewed distribution (index ~ G·r²), without duplicates.
  let total = 0;
  for (let u = 0; u < nUsers; u++) total += counts[u];
  const picks = new Uint32Array(total);
  const groupSizes = new Uint32Array(nGroups);
  let p = 0;
  const chosen: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    chosen.length = 0;
    const k = counts[u];
    for (let j = 0; j < k; j++) {
      let g = -1;
      for (let tries = 0; tries < 16; tries++) {
        const r = rng();
        const cand = Math.min(nGroups - 1, Math.floor(nGroups * r * r));
        if (!chosen.includes(cand)) {
          g = cand;
          break;
        }
      }
      if (g < 0) {
        // Crowded small orgs: take the next free group after a random start.
        const start = Math.floor(rng() * nGroups);
        for (let s = 0; s < nGroups; s++) {
          const cand = (start + s) % nGroups;
          if (!chosen.includes(cand)) {
            g = cand;
            break;
          }
        }
      }
      chosen.push(g);
      picks[p++] = g;
      groupSizes[g] = groupSizes[g] + 1;
    }
  }

  // Users were visited in slot order, so every group's member list comes out sorted.
  const members = Array.from({ length: nGroups }, (_, g) => new Uint32Array(groupSizes[g]));
  const fill = new Uint32Array(nGroups);
  p = 0;
  for (let u = 0; u < nUsers; u++) {
    const k = counts[u];
    for (let j = 0; j < k; j++) {
      const g = picks[p++];
      (members[g] as Uint32Array)[fill[g]] = u;
      fill[g] = fill[g] + 1;
    }
  }
  for (let g = 0; g < nGroups; g++) {
    const m = meta[g];
    store.addGroup(
      {
        name: m.name,
        description:
          g === 0
            ? 'Everyone on payroll'
            : `${m.dept} ${m.method === 'STATIC' ? 'group' : 'rule-based group'}`,
        membershipMethod: m.method,
        ruleDepartment: m.dept,
        posixId: 10000 + g,
      },
      members[g],
    );
  }
}

function generateApps(store: Store, rng: Rng, n: number, nGroups: number, nUsers: number): void {
  for (let i = 0; i < n; i++) {
    const [key, label] = APPS[i % APPS.length];
    const suffix = i >= APPS.length ? ` ${Math.floor(i / APPS.length) + 1}` : '';
    const groups: number[] = [];
    const nBound = nGroups === 0 ? 0 : Math.min(nGroups, intBetween(rng, 1, 3));
    while (groups.length < nBound) {
      const g = Math.floor(rng() * nGroups);
      if (!groups.includes(g)) groups.push(g);
    }
    const users: number[] = [];
    const nDirect = nUsers === 0 ? 0 : Math.min(nUsers, intBetween(rng, 0, 2));
    while (users.length < nDirect) {
      const u = Math.floor(rng() * nUsers);
      if (!users.includes(u)) users.push(u);
    }
    groups.sort((a, b) => a - b);
    users.sort((a, b) => a - b);
    store.addApp({
      name: key,
      displayName: label,
      displayLabel: `${label}${suffix}`,
      description: `${label} single sign-on`,
      active: rng() < 0.9,
      created: isoAt(BASE_TIME + i * 86_400_000),
      ssoUrl: `https://sso.jumpcloud.com/saml2/${key}${i}`,
      groups,
      users,
    });
  }
}
