import { createHmac, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { adminUrlFor } from '../../test/helpers/database';
import { type StandIn, startStandIn } from '../../test/helpers/http-stand-in';
import { syncNow } from '../../test/helpers/jumpcloud';
import { notifyNow } from '../../test/helpers/notifications';
import { memberSlots, staticGroups } from '../../test/helpers/org';
import { pollUntil } from '../../test/helpers/poll';
import { PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import {
  asBootstrap,
  asPerson,
  choose,
  expectRefused,
  fromPage,
  principalFor,
  useWorld,
} from './helpers/world';

jest.setTimeout(150_000);

const SECRET = 'whsec-0123456789-abcdef';

/** Notification channels and deliveries, each person's preferences, the audit log, and held removals. */
describe('notifications, audit and held removals in a real browser', () => {
  const w = useWorld({ names: ['nobody'], admins: ['ada'], auditors: ['aud'] });
  let hook: StandIn;
  let adaId: string;
  let nobodyId: string;
  let channelId: string;

  beforeAll(async () => {
    // The webhook receiver: it refuses what is meant for `nobody`, so one delivery keeps failing.
    hook = await startStandIn((r, res) => {
      res.statusCode = r.body.includes(w.org.people.nobody.email) ? 500 : 200;
      res.end();
    });
    adaId = await principalFor(w, w.org.people.ada, 'Ada Admin');
    nobodyId = await principalFor(w, w.org.people.nobody);
  });
  afterAll(async () => {
    await hook?.close();
  });

  const channels = async () =>
    (await asBootstrap(w, 'GET', '/api/v1/notification-channels')).body.items as {
      id: string;
      name: string;
      enabled: boolean;
      config: Record<string, string>;
    }[];

  /** Whether the receiver's last request was signed with `secret` (X-Jumpgate-Signature). */
  const lastSignedWith = (secret: string) => {
    const r = hook.requests[hook.requests.length - 1];
    const ts = String(r.headers['x-jumpgate-timestamp']);
    const mac = createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
    return r.headers['x-jumpgate-signature'] === `sha256=${mac}`;
  };

  it('an admin creates a webhook channel whose secret is write-only, tests it, edits it keeping the secret, and disables it', async () => {
    await asPerson(w, w.org.people.ada, '/admin/notifications', async ({ page, problems }) => {
      await page.getByTestId('channels-empty').waitFor();
      await page.getByTestId('deliveries-empty').getByText('Nothing has been sent yet.').waitFor();
      await page.getByRole('button', { name: 'New channel' }).click();
      const form = page.getByTestId('channel-form');
      await form.getByText('Webhook', { exact: true }).click();
      await form.getByRole('textbox', { name: 'Name' }).fill('Ops hook');
      await form.getByRole('textbox', { name: 'URL' }).fill('ftp://hooks.example.com/x');
      await form.getByLabel('Signing secret').fill('too-short');
      // The form holds a short secret back; the server refuses what the form cannot know (the scheme).
      await form.getByTestId('channel-problems').getByText('at least 16 characters').waitFor();
      expect(await form.getByRole('button', { name: 'Create channel' }).isDisabled()).toBe(true);
      await form.getByLabel('Signing secret').fill(SECRET);
      await form.getByRole('button', { name: 'Create channel' }).click();
      await form.getByRole('alert').getByText('config.url must use https or http').waitFor();
      expect(await channels()).toEqual([]);
      // The browser logs the refusal it was shown; nothing else went wrong.
      expect(problems.splice(0)).toEqual([expect.stringMatching(/status of 400 \(Bad Request\)$/)]);

      await form.getByRole('textbox', { name: 'URL' }).fill(`${hook.url}/hook`);
      await form.getByRole('button', { name: 'Create channel' }).click();
      const row = page.getByTestId('channel-row');
      await row.getByText('Ops hook').waitFor();
      const [saved] = await channels();
      channelId = saved.id;
      expect(saved).toMatchObject({ name: 'Ops hook', enabled: true });
      expect(saved.config).toEqual({ url: `${hook.url}/hook`, secret: `***${SECRET.slice(-4)}` });
      await row.getByText(`Signing secret: set (…${SECRET.slice(-4)})`).waitFor();

      await row.getByRole('button', { name: 'Test Ops hook' }).click();
      await row.getByTestId('channel-test').getByText('Test passed').waitFor();
      expect(lastSignedWith(SECRET)).toBe(true);

      // An edit that leaves the secret empty sends no secret, and the stored one keeps signing.
      const patches: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'PATCH') patches.push(r.postData() ?? '');
      });
      await row.getByRole('button', { name: 'Edit Ops hook' }).click();
      expect(await form.getByLabel('Signing secret').inputValue()).toBe('');
      await form.getByRole('textbox', { name: 'Name' }).fill('Ops webhook');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await row.getByText('Ops webhook').waitFor();
      expect(patches.map((p) => JSON.parse(p) as unknown)).toEqual([{ name: 'Ops webhook' }]);
      await row.getByRole('button', { name: 'Test Ops webhook' }).click();
      await row.getByTestId('channel-test').getByText('Test passed').waitFor();
      expect(lastSignedWith(SECRET)).toBe(true);

      await row.getByRole('button', { name: 'Disable Ops webhook' }).click();
      await row.getByText('disabled', { exact: true }).waitFor();
      expect((await channels())[0].enabled).toBe(false);
      await row.getByRole('button', { name: 'Enable Ops webhook' }).click();
      await row.getByText('enabled', { exact: true }).waitFor();
      expect((await channels())[0].enabled).toBe(true);

      expect(await page.content()).not.toContain(SECRET);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
  });

  it('lists deliveries with status, attempts and error, filtered by status, kind and recipient', async () => {
    const subject = { type: 'sync_run', id: randomUUID() };
    const links = { ui: '/admin/connections', api: '/api/v1/connections' };
    await notifyNow(w.org.t, {
      kind: 'sync_failed',
      recipients: { admins: true },
      subject,
      data: { error: 'JumpCloud answered 503' },
      links,
    });
    await notifyNow(w.org.t, {
      kind: 'grant_ended',
      recipients: [nobodyId, adaId],
      subject,
      data: {},
      links,
    });
    const all = await pollUntil(
      async () =>
        (await asBootstrap(w, 'GET', '/api/v1/notifications?limit=500')).body.items as {
          recipientId: string;
          kind: string;
          status: string;
          attempts: number;
          lastError: string | null;
        }[],
      (items) =>
        items.filter((n) => n.status === 'sent').length === 2 &&
        items.some((n) => n.recipientId === nobodyId && n.lastError),
      (items) => `deliveries: ${JSON.stringify(items)}`,
    );
    const failing = all.find((n) => n.recipientId === nobodyId)!;
    expect(failing).toMatchObject({ status: 'pending', lastError: 'webhook answered HTTP 500' });

    await asPerson(w, w.org.people.ada, '/admin/notifications', async ({ page, problems }) => {
      const rows = page.getByTestId('delivery-row');
      await rows.nth(2).waitFor();
      expect(await rows.count()).toBe(3);
      await choose(page, 'Status', 'sent');
      await page.waitForURL((u) => u.searchParams.get('status') === 'sent');
      await pollUntil(
        () => rows.count(),
        (n) => n === 2,
        (n) => `${n} rows shown for sent`,
      );
      await choose(page, 'Kind', 'My access ended (grant_ended)');
      await pollUntil(
        () => rows.count(),
        (n) => n === 1,
        (n) => `${n} rows shown for sent grant_ended`,
      );
      await rows.getByText(w.org.people.ada.email).waitFor();

      // The failing delivery: its error and attempts, found by its recipient.
      await page.goto(`/admin/notifications?recipientId=${nobodyId}`);
      await rows.first().getByText('webhook answered HTTP 500').waitFor();
      expect(await rows.count()).toBe(1);
      await rows.getByText('Ops webhook').waitFor();
      await page.goto('/admin/notifications?status=failed&kind=drift_detected');
      await page.getByTestId('deliveries-empty').getByText('No delivery matches these filters.').waitFor();
      await page.goto('/admin/notifications');
      await rows.nth(2).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-notifications');
      expect(problems).toEqual([]);
    });
  });

  it('an auditor reads channels and deliveries at 390 px in the dark, with no control to change them', async () => {
    await asPerson(
      w,
      w.org.people.aud,
      '/admin/notifications',
      async ({ page, problems }) => {
        await page.getByTestId('channel-row').getByText('Ops webhook').waitFor();
        await page.getByTestId('delivery-row').first().waitFor();
        for (const name of ['New channel', 'Edit Ops webhook', 'Disable Ops webhook', 'Test Ops webhook']) {
          expect(await page.getByRole('button', { name }).count()).toBe(0);
        }
        expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        expect(await seriousA11yViolations(page)).toEqual([]);
        await screenshot(page, 'admin-notifications-auditor-phone-dark');
        expect(problems).toEqual([]);
      },
      { viewport: PHONE, colorScheme: 'dark' },
    );
  });

  it('a person without roles cannot open these admin pages, and chooses what reaches them', async () => {
    await asPerson(w, w.org.people.nobody, '/settings/notifications', async ({ page, problems }) => {
      const emailFor = (label: string) => page.getByRole('checkbox', { name: `${label} by email` });
      const slackFor = (label: string) => page.getByRole('checkbox', { name: `${label} by slack` });
      await emailFor('My access granted').waitFor();
      expect(await page.getByText('Administration').count()).toBe(0);
      expect(await emailFor('Break-glass access used').isDisabled()).toBe(true);
      await emailFor('My access granted').uncheck();
      // Approvals must reach me somewhere: both channels off is refused before anything is sent.
      await emailFor('Requests waiting for my approval').uncheck();
      await slackFor('Requests waiting for my approval').uncheck();
      await page.getByTestId('preference-problems').getByText('request_to_approve').waitFor();
      const save = page.getByRole('button', { name: 'Save preferences' });
      expect(await save.isDisabled()).toBe(true);
      expect((await fromPage(page, 'GET', '/api/v1/me/notification-preferences')).body.kinds).toEqual({});
      await slackFor('Requests waiting for my approval').check();
      await save.click();
      await page.getByTestId('preferences-saved').waitFor();
      const kinds = (await fromPage(page, 'GET', '/api/v1/me/notification-preferences')).body.kinds;
      expect(kinds.grant_active).toEqual({ email: false, slack: true });
      expect(kinds.request_to_approve).toEqual({ email: false, slack: true });
      expect(kinds.review_reminder).toEqual({ email: true, slack: true });
      // What is saved is what the page shows after a reload.
      await page.reload();
      await emailFor('My access granted').waitFor();
      expect(await emailFor('My access granted').isChecked()).toBe(false);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'settings-notifications');

      await expectRefused(
        page,
        ['/admin/notifications', '/admin/audit'],
        ['/api/v1/notification', '/api/v1/audit-events', '/api/v1/principals'],
      );
      expect(problems).toEqual([]);
    });
  });

  it('the audit log filters and pages, verifies the chain, shows the signing key, and names a tampered event', async () => {
    // More than one page of events (100): an admin renames the channel 110 times.
    for (let i = 0; i < 110; i++) {
      await asBootstrap(w, 'PATCH', `/api/v1/notification-channels/${channelId}`, {
        name: `Ops webhook ${i}`,
      });
    }
    const renamed = (
      await asBootstrap(w, 'GET', '/api/v1/audit-events?action=notification_channel.updated&limit=500')
    ).body.items as { id: string }[];
    expect(renamed.length).toBeGreaterThanOrEqual(113);
    await asPerson(w, w.org.people.ada, '/admin/audit', async ({ page, problems }) => {
      const rows = page.getByTestId('audit-row');
      await rows.first().waitFor();
      await page.getByRole('textbox', { name: 'Action' }).fill('notification_channel.updated');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL((u) => u.searchParams.get('action') === 'notification_channel.updated');
      const more = page.getByTestId('audit-more');
      await more.getByText('100 shown').waitFor();
      await more.getByRole('button', { name: 'Load more' }).click();
      await more.getByText(`${renamed.length} shown, no more`).waitFor();
      expect(await rows.count()).toBe(renamed.length);
      expect(await rows.first().getAttribute('data-event-id')).toBe(renamed[0].id);
      await page.goto(`/admin/audit?action=no.such.action`);
      await page.getByTestId('audit-empty').getByText('No event matches these filters.').waitFor();

      await page.goto('/admin/audit');
      await page.getByRole('button', { name: 'Verify the chain' }).click();
      const result = page.getByTestId('verify-result');
      await result.getByText('The audit chain holds').waitFor();
      expect(await result.textContent()).toMatch(/\d+ events checked; the head is event [0-9a-f-]{36}\./);
      await rows.first().waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-audit');

      const key = (await asBootstrap(w, 'GET', '/api/v1/audit-events/public-key')).body as {
        keyId: string;
        publicKeyPem: string;
      };
      await page.getByText('Checkpoint public keys (Ed25519)').click();
      const shown = page.getByTestId('public-key');
      await shown.getByText(`Key ${key.keyId}`).waitFor();
      expect((await shown.locator('pre').textContent())?.trim()).toBe(key.publicKeyPem.trim());
      await page.getByRole('button', { name: 'Take a checkpoint' }).click();
      await page.getByTestId('checkpoint').getByText(`signed with key ${key.keyId}`).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);

      // The auditor's check: the checkpoint just taken, pasted back, matches; a forged copy does not.
      const kept = (await page.getByTestId('checkpoint').locator('pre').textContent()) ?? '';
      const forged = JSON.stringify({ ...(JSON.parse(kept) as object), hash: 'f'.repeat(64) });
      await page.getByText('Verify against checkpoints kept outside jumpgate').click();
      const pasted = page.getByRole('textbox', { name: 'Or paste checkpoints' });
      await pasted.fill('{not json');
      await page.getByRole('button', { name: 'Verify against these checkpoints' }).click();
      await page.getByText('This is not JSON', { exact: false }).waitFor();
      await pasted.fill(kept);
      await page.getByRole('button', { name: 'Verify against these checkpoints' }).click();
      const against = page.getByTestId('checkpoint-verify-result');
      await against.getByText('The audit chain holds and matches every checkpoint').waitFor();
      await pasted.fill(`[${kept}, ${forged}]`);
      await page.getByRole('button', { name: 'Verify against these checkpoints' }).click();
      await against.getByText('The audit chain does not match the checkpoints').waitFor();
      await against.getByText('its signature does not verify', { exact: false }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);

      // Someone with the database's superuser edits an event behind jumpgate's back.
      const superuser = new Client({ connectionString: adminUrlFor(w.org.t.databaseName) });
      await superuser.connect();
      try {
        await superuser.query(`SET session_replication_role = replica`);
        await superuser.query(`UPDATE audit_events SET data = '{"name": "forged"}' WHERE id = $1`, [
          renamed[5].id,
        ]);
      } finally {
        await superuser.end();
      }
      await page.getByRole('button', { name: 'Verify the chain' }).click();
      await result.getByText('The audit chain is broken').waitFor();
      await result.getByText(`The first broken event is ${renamed[5].id}`, { exact: false }).waitFor();
      expect(problems).toEqual([]);
    });
  });

  it('a sync that holds removals lists them by account and group on the connection page', async () => {
    const { emu, connectionId } = w.org;
    // Someone empties half of the static groups' memberships in JumpCloud: more than a sync applies at once.
    // Not the role groups: the people signing in below keep their roles.
    const groups = staticGroups(emu, 2).filter((g) => !g.name.startsWith('jumpgate-'));
    for (const g of groups.slice(0, Math.ceil(groups.length / 2))) {
      for (const slot of memberSlots(g))
        emu.emulator.externalRemoveMember(g.id, emu.emulator.store.users[slot].id);
    }
    const run = await syncNow(w.org.t, connectionId);
    expect(run.held?.memberships).toBeGreaterThan(0);
    const held = (await asBootstrap(w, 'GET', `/api/v1/syncs/${run.id}/held`)).body.items as {
      accountId: string;
      groupId: string;
    }[];
    const first = (
      await w.org.db.query<{ email: string; name: string }>(
        `SELECT a.email, g.name FROM directory_accounts a, directory_groups g WHERE a.id = $1 AND g.id = $2`,
        [held[0].accountId, held[0].groupId],
      )
    ).rows[0];
    for (const who of [w.org.people.ada, w.org.people.aud]) {
      await asPerson(w, who, `/admin/connections/${connectionId}`, async ({ page, problems }) => {
        const row = page.getByTestId('sync-row').first();
        await row
          .getByTestId('sync-held')
          .getByText(`Held: ${run.held!.memberships} membership removals`)
          .waitFor();
        await row.getByRole('button', { name: 'Show held removals' }).click();
        const list = page.getByTestId('held-removals');
        await list.getByText(`${held.length} removals were held back`).waitFor();
        const rows = list.getByTestId('held-row');
        await rows.first().getByText(first.email, { exact: false }).waitFor();
        await rows.first().getByText(first.name).waitFor();
        expect(await rows.count()).toBe(Math.min(held.length, 25));
        expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(
          who === w.org.people.ada ? 1 : 0,
        );
        expect(await seriousA11yViolations(page)).toEqual([]);
        if (who === w.org.people.ada) await screenshot(page, 'admin-connection-held');
        expect(problems).toEqual([]);
      });
    }
  });

  it('an admin deletes a channel after confirming, and the deletion is audited', async () => {
    const spare = await asBootstrap(w, 'POST', '/api/v1/notification-channels', {
      type: 'webhook',
      name: 'Spare hook',
      enabled: false,
      config: { url: `${hook.url}/spare`, secret: SECRET },
    });
    expect(spare.status).toBe(201);
    const spareId = (spare.body as { id: string }).id;
    await asPerson(w, w.org.people.ada, '/admin/notifications', async ({ page, problems }) => {
      const row = page.locator(`[data-channel-id="${spareId}"]`);
      await row.getByRole('button', { name: 'Delete Spare hook' }).click();
      await row.getByRole('button', { name: 'Keep it' }).click();
      expect(await row.getByTestId('channel-delete-confirm').count()).toBe(0);
      expect((await channels()).some((c) => c.id === spareId)).toBe(true);
      await row.getByRole('button', { name: 'Delete Spare hook' }).click();
      await row.getByRole('button', { name: 'Yes, delete Spare hook' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await channels()).some((c) => c.id === spareId)).toBe(false);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
    const audited = (
      await asBootstrap(
        w,
        'GET',
        `/api/v1/audit-events?action=notification_channel.deleted&targetId=${spareId}`,
      )
    ).body.items as unknown[];
    expect(audited).toHaveLength(1);
  });
});
