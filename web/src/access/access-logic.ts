import type { CatalogEntry } from '../api/types';

/** Catalog search: every word must occur in the group's name or one of its applications' names. */
export function searchCatalog(entries: readonly CatalogEntry[], query: string): CatalogEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const hay = [e.group.name, ...e.group.applications.map((a) => a.name)].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** What is wrong with a request before it is sent (the server checks the same and has the last word). */
export function requestProblems(
  entry: CatalogEntry,
  durationMinutes: number | null,
  justification: string,
): string[] {
  const problems: string[] = [];
  if (durationMinutes === null || !Number.isInteger(durationMinutes) || durationMinutes < 1) {
    problems.push('Give a duration of at least one minute.');
  } else if (durationMinutes > entry.maxDurationMinutes) {
    problems.push(`The policy allows at most ${entry.maxDurationMinutes} minutes.`);
  }
  if (entry.requireJustification && !justification.trim()) problems.push('This group needs a justification.');
  return problems;
}
