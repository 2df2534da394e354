import { type Page } from 'playwright-core';

/** Picks `option` in the Mantine select labelled `label` (its input reads as a textbox or a combobox). */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  await page
    .getByRole('textbox', { name: label })
    .or(page.getByRole('combobox', { name: label }))
    .first()
    .click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** The error text Mantine ties to the field labelled `label` (its aria-describedby `…-error` element), or ''. */
export async function fieldError(page: Page, label: string | RegExp): Promise<string> {
  const input = page.getByLabel(label, { exact: true }).and(page.locator('input'));
  const ids = ((await input.getAttribute('aria-describedby')) ?? '')
    .split(' ')
    .filter((id) => id.endsWith('-error'));
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' | ');
}
