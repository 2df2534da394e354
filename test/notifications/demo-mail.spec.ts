import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from '../helpers/app';
import { notifyNow, settled } from '../helpers/notifications';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';
import { freePort } from '../helpers/processes';

// scripts/demo-mail.js is plain JavaScript run by `npm run demo`; required here as the demo does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startMailSink } = require('../../scripts/demo-mail.js') as {
  startMailSink(o: { dir: string; smtpPort: number; httpPort: number }): Promise<{
    smtpUrl: string;
    listUrl: string;
    dir: string;
    close(): void;
  }>;
};

/** npm run demo's mail sink: jumpgate's default email channel writes there, and the page lists it. */
describe('npm run demo: the local mail sink', () => {
  let dir: string;
  let sink: Awaited<ReturnType<typeof startMailSink>>;
  let t: TestApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jumpgate-demo-mail-'));
    sink = await startMailSink({ dir, smtpPort: await freePort(), httpPort: await freePort() });
    t = await startApp({
      BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
      SMTP_URL: sink.smtpUrl,
      MAIL_FROM: 'jumpgate-demo@example.com',
      PUBLIC_URL: 'http://localhost:3000',
    });
  });

  afterAll(async () => {
    await t?.close();
    sink?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each message as an .eml file and lists it with a readable body and its links', async () => {
    const reviewer = await createPrincipal(t);
    const campaignId = '00000000-0000-4000-8000-000000000042';
    await notifyNow(t, {
      kind: 'campaign_assigned',
      recipients: [{ id: reviewer.id, data: { items: 3, pending: 3 } }],
      subject: { type: 'campaign', id: campaignId },
      data: { campaignId, campaignName: 'Demo review', dueAt: '2030-01-01T00:00:00.000Z' },
      links: { ui: `/reviews?campaignId=${campaignId}`, api: `/api/v1/reviews?campaignId=${campaignId}` },
    });
    expect((await settled(t, '&kind=campaign_assigned')).map((n) => n.status)).toEqual(['sent']);
    const [file] = await pollUntil(
      async () => (await readdir(dir)).filter((f) => f.endsWith('.eml')),
      (files) => files.length === 1,
      (files) => `files in the mail folder: ${JSON.stringify(files)}`,
    );
    const raw = await readFile(join(dir, file), 'utf8');
    expect(raw).toContain(`X-Demo-Envelope-To: ${reviewer.email}`);
    // The raw message as sent (any mail client opens it); the subject is RFC 2047-encoded.
    expect(raw).toMatch(/^Subject: =\?UTF-8\?Q\?Access_review_=22Demo_review=22/m);

    const page = await (await fetch(sink.listUrl)).text();
    expect(page).toContain(reviewer.email);
    expect(page).toContain(
      'Access review &quot;Demo review&quot;: 3 items to review by 2030-01-01 00:00 UTC',
    );
    expect(page).toContain(`href="/m/${encodeURIComponent(file)}"`);
    const message = await (await fetch(new URL(`/m/${encodeURIComponent(file)}`, sink.listUrl))).text();
    expect(message).toContain(`to: ${reviewer.email}`);
    expect(message).toContain(
      'subject: Access review "Demo review": 3 items to review by 2030-01-01 00:00 UTC',
    );
    expect(message).toContain(`Open: http://localhost:3000/reviews?campaignId=${campaignId}`);
    expect((await fetch(new URL('/m/..%2Fpasswd.eml', sink.listUrl))).status).toBe(404);
  });
});
