/** Formatting shared by the pages; times come from the API as ISO-8601 UTC strings. */

export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "2 h 05 min left", "3 min 20 s left", "ended": what a grant's countdown shows. */
export function countdown(expiresAt: string | null, now: number): string {
  if (!expiresAt) return 'starts when JumpCloud confirms the membership';
  const ms = new Date(expiresAt).getTime() - now;
  if (ms <= 0) return 'ending now';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h left`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min left`;
  return `${m} min ${String(sec).padStart(2, '0')} s left`;
}

/** Minutes as a person says them: 90 → "1 h 30 min", 2880 → "2 d". */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ') || '0 min';
}

export function percent(part: number, total: number): number {
  return total === 0 ? 100 : Math.round((part / total) * 100);
}
