import { JumpCloudError, type JumpCloudPermissionArea } from './jumpcloud.errors';
import { parseOrganization } from './jumpcloud.parse';
import { type JumpCloudReads } from './jumpcloud.reads';
import { type JumpCloudTransport } from './jumpcloud.transport';
import type { JumpCloudAccessReport, JumpCloudOrganization } from './jumpcloud.types';

/** Whether a connection's credentials work and reach its organisation (test connection, sync's first step). */
export class JumpCloudConnectionTest {
  constructor(
    private readonly t: JumpCloudTransport,
    private readonly reads: JumpCloudReads,
  ) {}

  /**
   * The configured organisation. Found in the organisation list (what jc-cli uses to validate a
   * key); if that list is forbidden, read by id. A credential that cannot see it is `wrong_org`.
   */
  async getOrganization(): Promise<JumpCloudOrganization> {
    try {
      for await (const page of this.reads.listOrganizations()) {
        const found = page.items.find((o) => o.id === this.t.orgId);
        if (found) return found;
      }
      throw this.wrongOrg();
    } catch (e) {
      if (!(e instanceof JumpCloudError) || e.code !== 'missing_permission') throw e;
    }
    const res = await this.t.call({
      method: 'GET',
      path: `/organizations/${encodeURIComponent(this.t.orgId)}`,
      orgScoped: false,
      area: 'organizations',
      accept: [404],
    });
    if (res.status === 404) throw this.wrongOrg();
    return parseOrganization(res.body);
  }

  /**
   * What a connection test needs: the credentials work (else `bad_credentials`), reach the
   * configured organisation (else `wrong_org`) and may read users, groups and administrators
   * (else `missing_permission` with `area`). Writes cannot be checked without changing something.
   */
  async checkAccess(): Promise<JumpCloudAccessReport> {
    const organization = await this.getOrganization();
    const probe = async (path: string, area: JumpCloudPermissionArea) => {
      await this.t.call({ method: 'GET', path, query: { limit: '1' }, orgScoped: true, area });
    };
    await probe('/systemusers', 'users');
    await probe('/v2/usergroups', 'groups');
    await probe('/users', 'administrators');
    return {
      organization,
      verified: { users: true, groups: true, administrators: true },
      writeAccess: 'unverified',
    };
  }

  private wrongOrg(): JumpCloudError {
    return new JumpCloudError('wrong_org', 'the credentials do not reach the configured organization', {
      area: 'organizations',
    });
  }
}
