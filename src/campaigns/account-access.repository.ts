import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { certificationOfMembership } from './certifications.repository';

/** One current membership of an account, with what it grants. */
export interface AccessRow {
  group_id: string;
  group_name: string;
  since: Date;
  grant_id: string | null;
  certified_until: Date | null;
  applications: { id: string; name: string }[];
}

/**
 * What an account reaches, in one statement over the views the owning modules publish (directory's
 * memberships and application bindings, access's active grants) and campaigns' own certifications.
 */
@Injectable()
export class AccountAccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  async currentMemberships(accountId: string): Promise<AccessRow[]> {
    return this.dataSource.query<AccessRow[]>(
      `SELECT v.group_id, v.group_name, v.since, gr.grant_id,
         -- The certification in force for this very membership (expired ones too: the date says so).
         ce.certified_until,
         COALESCE((SELECT jsonb_agg(jsonb_build_object('id', a.application_id, 'name', a.application_name)
                     ORDER BY a.application_name, a.application_id)
                   FROM campaign_group_application_view a WHERE a.group_id = v.group_id), '[]'::jsonb)
           AS applications
       FROM directory_membership_view v
       LEFT JOIN campaign_active_grant_view gr ON gr.group_id = v.group_id AND gr.account_id = v.account_id
       LEFT JOIN certifications ce ON ${certificationOfMembership('v')}
       WHERE v.account_id = $1
       ORDER BY v.group_name, v.group_id`,
      [accountId],
    );
  }
}
