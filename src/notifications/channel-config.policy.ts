import { type ChannelType } from './notification-kinds';

export type EmailConfig = { smtpUrl: string; from: string };
export type SlackConfig = { botToken: string; signingSecret: string; defaultChannel?: string };
export type WebhookConfig = { url: string; secret: string };
export type ChannelConfig = EmailConfig | SlackConfig | WebhookConfig;

interface FieldRule {
  required: boolean;
  secret: boolean;
  check?: (v: string) => string | null;
}

function urlCheck(protocols: string[]): (v: string) => string | null {
  return (v) => {
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol))
        return `must use ${protocols.map((p) => p.slice(0, -1)).join(' or ')}`;
      return u.hostname ? null : 'has no host';
    } catch {
      return 'is not a valid URL';
    }
  };
}

// smtpUrl counts as a secret: it usually carries the SMTP password.
const FIELDS: Record<ChannelType, Record<string, FieldRule>> = {
  email: {
    smtpUrl: { required: true, secret: true, check: urlCheck(['smtp:', 'smtps:']) },
    from: {
      required: true,
      secret: false,
      check: (v) => (/^[^\s@]+@[^\s@]+$|<[^\s@]+@[^\s@]+>$/.test(v) ? null : 'must be an email address'),
    },
  },
  slack: {
    botToken: { required: true, secret: true },
    signingSecret: { required: true, secret: true },
    defaultChannel: { required: false, secret: false },
  },
  webhook: {
    url: { required: true, secret: false, check: urlCheck(['https:', 'http:']) },
    secret: {
      required: true,
      secret: true,
      check: (v) => (v.length >= 16 ? null : 'must be at least 16 characters'),
    },
  },
};

/**
 * A channel's config checked field by field (unknown fields, missing or empty ones, bad URLs): the
 * list of problems, empty when it is valid. `config` is the merged config a PATCH would leave.
 */
export function channelConfigProblems(type: ChannelType, config: Record<string, unknown>): string[] {
  const fields = FIELDS[type];
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(key in fields)) problems.push(`config.${key} is not a field of a ${type} channel`);
  }
  for (const [key, rule] of Object.entries(fields)) {
    const v = config[key];
    if (v === undefined || v === null) {
      if (rule.required) problems.push(`config.${key} is required for a ${type} channel`);
      continue;
    }
    if (typeof v !== 'string' || v.trim() === '' || v.length > 2000) {
      problems.push(`config.${key} must be a non-empty string of at most 2000 characters`);
      continue;
    }
    const bad = rule.check?.(v);
    if (bad) problems.push(`config.${key} ${bad}`);
  }
  return problems;
}

/** A secret as responses show it: "***" and its last 4 characters (API.md). */
export function maskSecret(v: string): string {
  return `***${v.slice(-4)}`;
}

/** The config with every secret masked: what responses, audit and logs may carry. */
export function publicConfig(type: ChannelType, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(FIELDS[type])) {
    const v = config[key];
    if (typeof v !== 'string') continue;
    out[key] = rule.secret ? maskSecret(v) : v;
  }
  return out;
}

/** Every secret value of a config (the logger and error messages must never carry them). */
export function secretValues(type: ChannelType, config: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, rule] of Object.entries(FIELDS[type])) {
    const v = config[key];
    if (!rule.secret || typeof v !== 'string') continue;
    out.push(v);
    if (key === 'smtpUrl') {
      const pw = new URL(v).password;
      if (pw) out.push(pw, decodeURIComponent(pw));
    }
  }
  return out.filter((s) => s.length >= 4);
}

/** Replaces every secret value in a text (an error message from a transport) with "***". */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
