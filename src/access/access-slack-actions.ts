import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SLACK_ACTIONS } from '../notifications/channels/slack-blocks';
import { SlackInteractionsService } from '../notifications/slack-interactions.service';
import { AccessRequestsService } from './access-requests.service';

/** Approve and Deny on a request_to_approve Slack message: the REST rules, as the clicking approver. */
@Injectable()
export class AccessSlackActions implements OnModuleInit {
  constructor(
    private readonly slack: SlackInteractionsService,
    private readonly requests: AccessRequestsService,
  ) {}

  onModuleInit(): void {
    this.slack.registerAction(SLACK_ACTIONS.approve, async (actor, requestId) => {
      const r = await this.requests.approve(actor, requestId, 'approved in Slack');
      return `Approved by ${actor.type === 'principal' ? actor.email : 'jumpgate'}: the request is ${r.status}.`;
    });
    this.slack.registerAction(SLACK_ACTIONS.deny, async (actor, requestId) => {
      const r = await this.requests.deny(actor, requestId, 'denied in Slack');
      return `Denied by ${actor.type === 'principal' ? actor.email : 'jumpgate'}: the request is ${r.status}.`;
    });
  }
}
