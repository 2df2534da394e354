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
