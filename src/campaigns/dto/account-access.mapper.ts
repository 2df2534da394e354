import { iso } from '../../platform/database/sql';
import { type AccessRow } from '../account-access.repository';
import { type AccessApplicationResponse, type AccountAccessResponse } from './account-access.dto';

/** Groups in name order; applications by name, each with its groups in the groups' order. */
export function toAccountAccess(rows: AccessRow[]): AccountAccessResponse {
  const apps = new Map<string, AccessApplicationResponse>();
  for (const r of rows) {
    for (const a of r.applications) {
      const app = apps.get(a.id) ?? { id: a.id, name: a.name, via: [] };
      app.via.push({ groupId: r.group_id, name: r.group_name });
      apps.set(a.id, app);
    }
  }
  return {
    applications: [...apps.values()].sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)),
    groups: rows.map((r) => ({
      groupId: r.group_id,
      name: r.group_name,
      since: r.since.toISOString(),
      grantId: r.grant_id,
      certifiedUntil: iso(r.certified_until),
    })),
  };
}
