import { type StartEmulatorOptions } from '../../src/emulator';
import { slackSignature } from '../../src/notifications/slack-interactions.service';
import { type HttpResult, type TestApp } from './app';
import { createChannel, type SlackStandIn, startSlackStandIn } from './notifications';
import { type EmulatedOrg, startEmulatedOrg, stopEmulatedOrg } from './org';
import { createPrincipal, type TestPrincipal } from './principals';

/** The PUBLIC_URL of a Slack org: links in messages are absolute on it. */
export const SLACK_ORG_PUBLIC_URL = 'https://jg.example.test';

/** A Block Kit block as the specs read them from the stand-in's calls. */
export interface SlackBlock {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { text?: string | { text: string }; action_id?: string; value?: string; url?: string }[];
}

/** An emulated organisation whose server sends to the Slack stand-in through one Slack channel. */
export interface SlackOrg extends EmulatedOrg {
  slack: SlackStandIn;
  /** The jumpgate notification channel of type slack. */
  channelId: string;
}

/**
 * The Slack stand-in, an emulated organisation (synced) whose server talks to it, and a Slack channel
 * signing interactions with `signingSecret`. What it started is closed if it fails.
 */
export async function startSlackOrg(
  emulator: StartEmulatorOptions,
  opts: { signingSecret: string; env?: Record<string, string> },
): Promise<SlackOrg> {
  const slack = await startSlackStandIn();
  let org: EmulatedOrg | undefined;
  try {
    org = await startEmulatedOrg(emulator, {
      env: { PUBLIC_URL: SLACK_ORG_PUBLIC_URL, SLACK_API_URL: `${slack.url}/api/`, ...opts.env },
    });
    const channelId = await createChannel(org.t, 'slack', {
      botToken: 'xoxb-test-bot-token',
      signingSecret: opts.signingSecret,
    });
    return { ...org, slack, channelId };
  } catch (err) {
    if (org) await stopEmulatedOrg(org);
    await slack.close();
    throw err;
  }
}

/** Closes what `startSlackOrg` started (any part may be missing when a start-up failed). */
export async function stopSlackOrg(org: Partial<SlackOrg>): Promise<void> {
  await stopEmulatedOrg(org);
  await org.slack?.close();
}

/** A new principal who is Slack user `slackUserId` (the stand-in finds it by its email). */
export async function slackPrincipal(
  org: Pick<SlackOrg, 't' | 'slack'>,
  slackUserId: string,
  options: Parameters<typeof createPrincipal>[1] = {},
): Promise<TestPrincipal> {
  const p = await createPrincipal(org.t, options);
  org.slack.users[p.email.toLowerCase()] = slackUserId;
  return p;
}

/**
 * Posts an interaction as Slack does: the payload form-encoded, signed (v0, HMAC over timestamp and
 * body) with `secret`, the timestamp `ageSeconds` old.
 */
export function postSlackInteraction(
  t: TestApp,
  payload: Record<string, unknown>,
  secret: string,
  ageSeconds = 0,
): Promise<HttpResult> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = String(Math.floor(Date.now() / 1000) - ageSeconds);
  return t.request('POST', '/integrations/slack/interactions', {
    rawBody: body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(secret, ts, body),
    },
  });
}

/** A button click (`block_actions`) as Slack posts it: the button, its block, the message it sits in. */
export function buttonClick(click: {
  user: string;
  actionId: string;
  value: string;
  channel: string;
  ts: string;
  blockId?: string;
  triggerId?: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: click.user },
    ...(click.triggerId ? { trigger_id: click.triggerId } : {}),
    actions: [
      {
        action_id: click.actionId,
        value: click.value,
        type: 'button',
        ...(click.blockId ? { block_id: click.blockId } : {}),
      },
    ],
    container: { type: 'message', channel_id: click.channel, message_ts: click.ts },
    channel: { id: click.channel },
    message: { ts: click.ts },
  };
}
