// Patterns of secrets that may turn up inside any log text, whatever the field:
// jumpgate API tokens, bearer tokens, and passwords inside connection URLs.
const PATTERNS: [RegExp, string][] = [
  [/jgt_[A-Za-z0-9_-]{16,}/g, 'jgt_[REDACTED]'],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"]*:)[^@/\s"]+@/gi, '$1[REDACTED]@'],
];

/** Removes known secret values and secret-shaped strings from a serialised log line. */
export function makeRedactor(secrets: string[]): (line: string) => string {
  const known = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (line: string) => {
    let out = line;
    for (const s of known) {
      if (out.includes(s)) out = out.split(s).join('[REDACTED]');
      // JSON escaping would hide a secret containing quotes or backslashes from the plain search.
      const escaped = JSON.stringify(s).slice(1, -1);
      if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join('[REDACTED]');
    }
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  };
}

/** Header and body fields that are never logged, as pino redact paths. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.clientSecret',
  '*.apiKey',
  '*.token',
  '*.access_token',
];
