import { Injectable } from '@nestjs/common';
import { ConnectionInsightsService } from '../../connections/connection-insights.service';
import { type Actor } from '../../platform/actor';
import { forbidden, notFound } from '../../platform/http/app-error';
import { DirectoryService } from '../directory.service';
import { ActivityRepository } from './activity.repository';
import { type AccountActivityResponse } from './dto/account-activity.dto';

/** An account's sign-in activity, as the last Directory Insights reads found it (no JumpCloud call). */
@Injectable()
export class AccountActivityService {
  constructor(
    private readonly repo: ActivityRepository,
    private readonly directory: DirectoryService,
    private readonly insights: ConnectionInsightsService,
  ) {}

  async forAccount(actor: Actor, accountId: string): Promise<AccountActivityResponse> {
    const connectionId = await this.repo.accountConnection(accountId);
    if (connectionId === null) throw notFound('Account');
    const readable = await this.directory.readableAccountIds(actor);
    if (readable !== null && !readable.includes(accountId)) {
      throw forbidden(
        'You may read the activity of your own accounts and of those whose access requests you may approve',
      );
    }
    const [last, apps, cursor, insights] = await Promise.all([
      this.repo.accountLastSignIn(accountId),
      this.repo.applicationActivity(accountId),
      this.repo.getCursor(connectionId),
      this.insights.get(connectionId),
    ]);
    return {
      lastSignInAt: last?.toISOString() ?? null,
      applications: apps.map((a) => ({
        id: a.id,
        name: a.name,
        lastSignInAt: a.last_sign_in_at?.toISOString() ?? null,
      })),
      insights: insights?.state ?? 'unavailable',
      readThrough: cursor?.read_through.toISOString() ?? null,
      coveredFrom: cursor?.covered_from.toISOString() ?? null,
    };
  }
}
