import { cursorKey } from '../platform/database/keyset';

// The columns of the account and group response rows (dto/directory.dto.ts), shared by the API's
// reads and the facts other domains ask for.

export const ACCOUNT_SELECT = `SELECT a.id, a.connection_id, a.external_id, a.kind, a.email, a.username, a.display_name, a.state,
    mgr.id AS manager_account_id, a.department, a.job_title, a.admin_roles, a.mfa_configured, a.created_at, a.updated_at, a.removed_at,
    ${cursorKey('a.created_at')} AS ck
  FROM directory_accounts a
  LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
       AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL`;

export const GROUP_SELECT = `SELECT g.id, g.connection_id, g.external_id, g.name, g.description, g.membership_method, g.removed_at,
        ${cursorKey('g.created_at')} AS ck,
        (SELECT count(*) FROM directory_memberships m JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL
         WHERE m.group_id = g.id AND m.removed_at IS NULL)::int AS member_count,
        COALESCE((SELECT json_agg(json_build_object('id', d.id, 'name', d.name) ORDER BY d.name, d.id)
                  FROM directory_application_groups x JOIN directory_applications d ON d.id = x.application_id
                  WHERE x.group_id = g.id AND d.removed_at IS NULL), '[]'::json) AS applications
      FROM directory_groups g`;
