import { Injectable } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { forbidden, notFound } from '../platform/http/app-error';
import { AccountAccessRepository } from './account-access.repository';
import { type AccountAccessResponse } from './dto/account-access.dto';
import { toAccountAccess } from './dto/account-access.mapper';

/**
 * API.md `GET /accounts/{id}/access`: the account's current groups (with the grant and certification
 * behind each) and the applications they give, each with the groups it comes through. It lives in
 * campaigns because it joins directory, access and certifications, and only campaigns may use all three.
 */
@Injectable()
export class AccountAccessService {
  constructor(
    private readonly repo: AccountAccessRepository,
    private readonly directory: DirectoryService,
  ) {}

  async forAccount(actor: Actor, accountId: string): Promise<AccountAccessResponse> {
    const [account] = await this.directory.accountsByIds([accountId]);
    if (!account) throw notFound('Account');
    const readable = await this.directory.readableAccountIds(actor);
    if (readable !== null && !readable.includes(accountId)) {
      throw forbidden(
        'You may read the access of your own accounts and of those whose access requests you may approve',
      );
    }
    return toAccountAccess(await this.repo.currentMemberships(accountId));
  }
}
