import { seriousA11yViolations } from './helpers/browser';
import { asPerson, expectRefused, useWorld } from './helpers/world';

jest.setTimeout(90_000);

describe('navigation and admin pages by role', () => {
  // People sign in at the provider; their roles come from the directory groups in ADMIN_GROUPS / AUDITOR_GROUPS.
  const w = useWorld({ names: ['nobody'], auditors: ['auditor'], admins: ['admin'] });

  it('a person without roles sees no administration and cannot open its pages', async () => {
    await asPerson(w, w.org.people.nobody, '/approvals', async ({ page, problems }) => {
      await page.getByTestId('approvals-empty').waitFor();
      expect(await page.getByText('Administration').count()).toBe(0);
      await expectRefused(page, ['/admin/operations?status=failed'], ['/api/v1/provisioning-operations']);
      expect(problems).toEqual([]);
    });
  });

  it.each(['auditor', 'admin'] as const)(
    'an %s finds the administration pages in the navigation; only an admin is offered New campaign',
    async (role) => {
      await asPerson(w, w.org.people[role], '/reviews', async ({ page, problems }) => {
        await page.getByRole('link', { name: 'Provisioning operations' }).first().click();
        await page.waitForURL((u) => u.pathname === '/admin/operations');
        await page.getByTestId('operations-empty').getByText('No failed operation.').waitFor();
        // Reading is the auditor's whole role: the campaigns page offers them no control to start one.
        await page.goto('/admin/campaigns');
        await page.getByTestId('campaigns-empty').waitFor();
        expect(await page.getByRole('button', { name: 'New campaign' }).count()).toBe(
          role === 'admin' ? 1 : 0,
        );
        expect(await seriousA11yViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
      });
    },
  );
});
