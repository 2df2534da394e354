/*
 * Secret removal for log lines. Log lines carry request data (URLs, error messages quoting input), so
 * nothing here may cost more than linear time in the length of the line: there are no regular
 * expressions with quantifiers, only forward scans that never revisit a character more than a bounded
 * number of times. (The regular expressions this replaces took quadratic time on a 64 KB URL such as
 * `a.a.a.a…`: each word boundary restarted a scan to the end of the line.)
 */

const REDACTED = '[REDACTED]';

/** The longest request URL part (path, query) a log line keeps (API.md: query strings cut to 1 KB). */
export const MAX_LOGGED_URL_PART = 1024;

// Characters of a jumpgate token after its prefix (base64url), and of a bearer token (RFC 6750 b64token).
const TOKEN_CHARS = charSet('A-Za-z0-9_-');
const BEARER_CHARS = charSet('A-Za-z0-9._~+/=-');
const SCHEME_CHARS = charSet('A-Za-z0-9+.-');
const WORD_CHARS = charSet('A-Za-z0-9_');
const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
// A URL scheme longer than this is not one (the longest registered ones are about 30 characters).
const MAX_SCHEME = 32;
const JGT = 'jgt_';
const MIN_JGT_BODY = 16;
const MIN_BEARER = 8;
// Query parameters whose value is a secret whatever it looks like.
const SECRET_PARAMS = new Set([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'key',
  'password',
  'secret',
  'client_secret',
  'code',
  'signature',
  'sig',
]);

function charSet(ranges: string): boolean[] {
  const set = new Array<boolean>(128).fill(false);
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i + 1] === '-' && i + 2 < ranges.length) {
      for (let c = ranges.charCodeAt(i); c <= ranges.charCodeAt(i + 2); c++) set[c] = true;
      i += 2;
    } else {
      set[ranges.charCodeAt(i)] = true;
    }
  }
  return set;
}

const inSet = (set: boolean[], s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c < 128 && set[c];
};

/** `jgt_` followed by at least 16 token characters → `jgt_[REDACTED]`. */
function redactJumpgateTokens(s: string): string {
  let at = s.indexOf(JGT);
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    let end = at + JGT.length;
    while (end < s.length && inSet(TOKEN_CHARS, s, end)) end++;
    if (end - at - JGT.length >= MIN_JGT_BODY) {
      out += s.slice(from, at) + JGT + REDACTED;
      from = end;
    }
    // The run just scanned holds no other token start worth a rescan (it is one token or too short).
    at = s.indexOf(JGT, Math.max(end, at + 1));
  }
  return out + s.slice(from);
}

/** `bearer` (any case), whitespace, then at least 8 b64token characters → the token redacted. */
function redactBearerTokens(s: string): string {
  let at = indexOfIgnoreCase(s, 'bearer', 0);
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    let i = at + 6;
    while (i < s.length && WHITESPACE.has(s[i])) i++;
    let next = at + 1;
    if (i > at + 6) {
      let end = i;
      while (end < s.length && inSet(BEARER_CHARS, s, end)) end++;
      if (end - i >= MIN_BEARER) {
        out += s.slice(from, i) + REDACTED;
        from = next = end;
      }
      // Else the run is under MIN_BEARER characters: rescanning it from a later `bearer` is bounded.
    }
    at = indexOfIgnoreCase(s, 'bearer', next);
  }
  return out + s.slice(from);
}

/** indexOf for an ASCII lower-case needle, ignoring the case of ASCII letters in the haystack. */
function indexOfIgnoreCase(s: string, needle: string, from: number): number {
  outer: for (let i = from; i <= s.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      const c = s.charCodeAt(i + j);
      const lower = c >= 65 && c <= 90 ? c + 32 : c;
      if (lower !== needle.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}

/**
 * `scheme://user:password@` → `scheme://user:[REDACTED]@`. Scans from each `://`: back over at most
 * MAX_SCHEME scheme characters, forward over the user (up to `:`) and the password (up to `@`); both
 * forward scans stop at `/`, so no character is scanned forward from two different `://`.
 */
function redactUrlPasswords(s: string): string {
  let at = s.indexOf('://');
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    let start = at;
    while (start > 0 && at - start < MAX_SCHEME && inSet(SCHEME_CHARS, s, start - 1)) start--;
    // The scheme starts at the first letter of that run that follows a word boundary.
    while (
      start < at &&
      !(isLetter(s.charCodeAt(start)) && (start === 0 || !inSet(WORD_CHARS, s, start - 1)))
    ) {
      start++;
    }
    const isScheme = start < at;
    let next = at + 3;
    if (isScheme) {
      let colon = at + 3;
      while (colon < s.length && !'/:?#@"'.includes(s[colon]) && !WHITESPACE.has(s[colon])) colon++;
      if (s[colon] === ':') {
        let end = colon + 1;
        while (end < s.length && !'@/"'.includes(s[end]) && !WHITESPACE.has(s[end])) end++;
        if (s[end] === '@' && end > colon + 1) {
          out += s.slice(from, colon + 1) + REDACTED;
          from = next = end;
        } else {
          // The password scan may have stopped at the `/` of another `://` (its `:` is one back).
          next = end - 1;
        }
      } else {
        next = colon;
      }
    }
    at = s.indexOf('://', Math.max(next, at + 1));
  }
  return out + s.slice(from);
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Removes known secret values and secret-shaped strings from a serialised log line, in linear time. */
export function makeRedactor(secrets: string[]): (line: string) => string {
  const known = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  // JSON escaping would hide a secret containing quotes or backslashes from the plain search.
  const forms = known.flatMap((s) => {
    const escaped = JSON.stringify(s).slice(1, -1);
    return escaped === s ? [s] : [s, escaped];
  });
  return (line: string) => {
    let out = line;
    for (const s of forms) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return redactUrlPasswords(redactBearerTokens(redactJumpgateTokens(out)));
  };
}

/**
 * How much of a URL part beyond what is kept gets redacted before the cut: a secret that starts in the
 * kept part is recognised whole (or by its first 16 characters, for a token) as long as it is shorter
 * than this, and the cost of a hostile URL stays bounded whatever its length.
 */
const REDACT_SLACK = 4096;

/** Redacts the head of a URL part (MAX_LOGGED_URL_PART + REDACT_SLACK), then cuts it to what is kept. */
function redactAndCut(part: string, redact: (text: string) => string): string {
  const window = MAX_LOGGED_URL_PART + REDACT_SLACK;
  const clean = redact(part.length > window ? part.slice(0, window) : part);
  if (part.length <= window && clean.length <= MAX_LOGGED_URL_PART) return clean;
  return `${clean.slice(0, MAX_LOGGED_URL_PART)}…[cut from ${part.length} characters]`;
}

/** Each `name=value` pair whose name says it is a secret, with its value redacted. */
function redactSecretParams(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      return SECRET_PARAMS.has(pair.slice(0, eq).toLowerCase()) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * A request URL as a log line keeps it: secret-looking query values redacted (by parameter name, and
 * by `redact` for secret-shaped values), the path and the query string each cut to MAX_LOGGED_URL_PART
 * characters, so a hostile 64 KB URL costs the logger a bounded line and bounded work. Redaction comes
 * before the cut, so a cut never leaves the head of a secret that the redactor would not recognise.
 */
export function urlForLog(url: string, redact: (text: string) => string): string {
  const q = url.indexOf('?');
  if (q < 0) return redactAndCut(url, redact);
  return `${redactAndCut(url.slice(0, q), redact)}?${redactAndCut(url.slice(q + 1), (text) => redact(redactSecretParams(text)))}`;
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
