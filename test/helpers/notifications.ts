import { DataSource } from 'typeorm';
import { type NotifyInput } from '../../src/notifications/notification-kinds';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { type TestApp } from './app';
import { json, type RecordedRequest, type StandIn, startStandIn } from './http-stand-in';
import { pollUntil } from './poll';
import { BOOTSTRAP_TOKEN } from './principals';

/** Creates a channel through the API as the bootstrap admin; returns its id. */
export async function createChannel(
  t: TestApp,
  type: 'email' | 'slack' | 'webhook',
  config: Record<string, unknown>,
  name = `${type} channel`,
): Promise<string> {
  const res = await t.request('POST', '/api/v1/notification-channels', {
    token: BOOTSTRAP_TOKEN,
    body: { type, name, enabled: true, config },
  });
  if (res.status !== 201) throw new Error(`create channel: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** What a domain does: notify inside a transaction, dispatch after the commit. */
export async function notifyNow(t: TestApp, input: NotifyInput): Promise<string[]> {
  const service = t.app.get(NotificationsService);
  const ids = await t.app.get(DataSource).transaction((m) => service.notify(m, input));
  await service.dispatch(ids);
  return ids;
}

export interface DeliveryView {
  period: string;
  id: string;
  kind: string;
  recipientId: string;
  channelId: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

export async function deliveries(t: TestApp, query = ''): Promise<DeliveryView[]> {
  const res = await t.request('GET', `/api/v1/notifications?limit=500${query}`, { token: BOOTSTRAP_TOKEN });
  if (res.status !== 200) throw new Error(`list notifications: ${res.status} ${res.text}`);
  return res.body.items as DeliveryView[];
}

/** Waits until no delivery of the query is pending; returns them all. */
export async function settled(t: TestApp, query = '', timeoutMs = 30_000): Promise<DeliveryView[]> {
  return pollUntil(
    () => deliveries(t, query),
    (items) => items.length > 0 && items.every((n) => n.status !== 'pending'),
    (items) => `deliveries still pending: ${JSON.stringify(items)}`,
    { timeoutMs, intervalMs: 100 },
  );
}

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

export interface SlackStandIn extends StandIn {
  calls: SlackCall[];
  /** Slack users by lower-case email; tests add people as they go. */
  users: Record<string, string>;
  /** Modals opened with views.open, as Slack returned them (id, callback_id, private_metadata, blocks...). */
  views: Record<string, unknown>[];
  /**
   * A trigger id as Slack puts in an interaction payload: views.open takes it once, within 3 seconds
   * (else `expired_trigger_id`); an id never issued is `invalid_trigger_id`.
   */
  issueTrigger(): string;
}

// Slack: "trigger_id ... expires in 3 seconds" and may be used once.
const TRIGGER_TTL_MS = 3_000;

/** Slack's arguments: form-encoded, nested values (blocks) JSON-encoded, as @slack/web-api sends them. */
function slackArgs(r: RecordedRequest): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const ct = String(r.headers['content-type'] ?? '');
  const raw = ct.includes('json')
    ? (JSON.parse(r.body || '{}') as Record<string, unknown>)
    : Object.fromEntries(new URLSearchParams(r.body));
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      try {
        args[k] = JSON.parse(v);
        continue;
      } catch {
        // a plain string that starts with a bracket
      }
    }
    args[k] = v;
  }
  return args;
}

/**
 * A local stand-in for Slack's Web API: answers the methods jumpgate uses as Slack documents them
 * (users.lookupByEmail → users_not_found for unknown emails), and records every call.
 */
export async function startSlackStandIn(users: Record<string, string> = {}): Promise<SlackStandIn> {
  const calls: SlackCall[] = [];
  const views: Record<string, unknown>[] = [];
  const triggers = new Map<string, number>();
  let triggerSeq = 0;
  let ts = 1_700_000_000;
  const standIn = await startStandIn((r, res) => {
    const method = r.path.split('?')[0].split('/').pop() ?? '';
    const args = slackArgs(r);
    calls.push({ method, args, token: String(r.headers.authorization ?? '').replace(/^Bearer /, '') });
    switch (method) {
      case 'auth.test':
        return json(res, 200, { ok: true, team: 'T1', user: 'jumpgate', bot_id: 'B1' });
      case 'users.lookupByEmail': {
        const id = users[String(args.email).toLowerCase()];
        return json(
          res,
          200,
          id
            ? { ok: true, user: { id, profile: { email: args.email } } }
            : { ok: false, error: 'users_not_found' },
        );
      }
      case 'users.info': {
        const email = Object.entries(users).find(([, id]) => id === args.user)?.[0];
        return json(
          res,
          200,
          email
            ? { ok: true, user: { id: args.user, profile: { email } } }
            : { ok: false, error: 'user_not_found' },
        );
      }
      case 'conversations.open':
        return json(res, 200, { ok: true, channel: { id: `D-${String(args.users)}` } });
      case 'chat.postMessage':
        ts += 1;
        return json(res, 200, {
          ok: true,
          channel: args.channel,
          ts: `${ts}.000100`,
          message: { text: args.text },
        });
      case 'chat.update':
        return json(res, 200, { ok: true, channel: args.channel, ts: args.ts });
      case 'views.open': {
        const trigger = typeof args.trigger_id === 'string' ? args.trigger_id : '';
        if (!trigger || !args.view) return json(res, 200, { ok: false, error: 'invalid_arguments' });
        const issued = triggers.get(trigger);
        if (issued === undefined) return json(res, 200, { ok: false, error: 'invalid_trigger_id' });
        triggers.delete(trigger);
        if (Date.now() - issued > TRIGGER_TTL_MS)
          return json(res, 200, { ok: false, error: 'expired_trigger_id' });
        const view = args.view as Record<string, unknown>;
        const opened = {
          id: `V${String(views.length + 1).padStart(8, '0')}`,
          team_id: 'T1',
          type: view.type,
          callback_id: view.callback_id ?? '',
          private_metadata: view.private_metadata ?? '',
          title: view.title,
          submit: view.submit ?? null,
          close: view.close ?? null,
          blocks: view.blocks ?? [],
          state: { values: {} },
          hash: `${Date.now()}.h${views.length}`,
          root_view_id: null,
          app_id: 'A1',
          bot_id: 'B1',
        };
        views.push(opened);
        return json(res, 200, { ok: true, view: opened });
      }
      default:
        return json(res, 200, { ok: false, error: 'unknown_method' });
    }
  });
  const issueTrigger = () => {
    const id = `${++triggerSeq}.${Date.now()}.trigger`;
    triggers.set(id, Date.now());
    return id;
  };
  return Object.assign(standIn, { calls, users, views, issueTrigger });
}
