import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SLACK_ACTIONS } from '../notifications/channels/slack-blocks';
import { SlackInteractionsService } from '../notifications/slack-interactions.service';
import { type Actor } from '../platform/actor';
import { type ReviewItemResponse } from './dto/campaign.dto';
import { ReviewDecisionsService } from './review-decisions.service';

const who = (actor: Actor): string => (actor.type === 'principal' ? actor.email : 'jumpgate');
const what = (item: ReviewItemResponse): string =>
  `${item.account.email ?? item.account.displayName ?? item.account.id} in ${item.group?.name ?? 'the group'}`;

/**
 * Keep and Revoke on a review digest's items in Slack: the REST rules (ReviewDecisionsService), as the
 * clicking person, on items still pending. Keep decides at once; Revoke first asks for the
 * justification in a modal, and its submission revokes.
 */
@Injectable()
export class CampaignSlackActions implements OnModuleInit {
  constructor(
    private readonly slack: SlackInteractionsService,
    private readonly decisions: ReviewDecisionsService,
  ) {}

  onModuleInit(): void {
    this.slack.registerAction(SLACK_ACTIONS.keep, async (actor, itemId) => {
      const item = await this.decisions.decide(actor, itemId, 'keep', undefined, { pendingOnly: true });
      return `Kept by ${who(actor)}: ${what(item)}.`;
    });
    this.slack.registerAction(
      SLACK_ACTIONS.revoke,
      async (actor, itemId) => {
        await this.decisions.assertMayDecidePending(actor, itemId);
        return { ask: { title: 'Revoke access', label: 'Why revoke this membership?', submit: 'Revoke' } };
      },
      async (actor, itemId, justification) => {
        const item = await this.decisions.decide(actor, itemId, 'revoke', justification, {
          pendingOnly: true,
        });
        return `Revoked by ${who(actor)}: ${what(item)}. Reason: ${justification}`;
      },
    );
  }
}
