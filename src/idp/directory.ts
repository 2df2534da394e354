import { createHash, timingSafeEqual } from 'node:crypto';
import type { IdpUser } from './options';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The provider's users, by `sub` and by email (case-insensitive), with a constant-time password check. */
export class UserDirectory {
  private readonly bySub = new Map<string, IdpUser>();
  private readonly byEmail = new Map<string, IdpUser>();
  /** Compared against when the email is unknown, so a miss costs what a wrong password costs. */
  private readonly decoy = digest('not-a-password');

  constructor(users: IdpUser[]) {
    for (const u of users) {
      this.bySub.set(u.sub, u);
      this.byEmail.set(u.email.toLowerCase(), u);
    }
  }

  get size(): number {
    return this.bySub.size;
  }

  find(sub: string): IdpUser | undefined {
    return this.bySub.get(sub);
  }

  /** The user whose email and password these are, or null. */
  authenticate(email: string, password: string): IdpUser | null {
    const user = this.byEmail.get(email.trim().toLowerCase());
    const ok = timingSafeEqual(user ? digest(user.password) : this.decoy, digest(password));
    return user && ok ? user : null;
  }
}
