/**
 * A CSV cell that a spreadsheet will not run as a formula (CSV injection): a cell beginning with `=`,
 * `+`, `-`, `@`, tab or carriage return is prefixed with a single quote (API.md, OWASP).
 */
export function csvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
