import type { components } from '../../api/schema';

export type Channel = components['schemas']['ChannelResponse'];
export type ChannelType = components['schemas']['ChannelType'];
export type CreateChannelBody = components['schemas']['CreateChannelDto'];
export type UpdateChannelBody = components['schemas']['UpdateChannelDto'];

export interface FieldSpec {
  key: string;
  label: string;
  /** Write-only: never shown back; left empty on an edit, it keeps its stored value. */
  secret: boolean;
  required: boolean;
  description?: string;
}

/** The config fields of each channel type (API.md "Notifications"), in the order the form shows them. */
export const CHANNEL_FIELDS: Record<ChannelType, FieldSpec[]> = {
  email: [
    {
      key: 'smtpUrl',
      label: 'SMTP URL',
      secret: true,
      required: true,
      description: 'smtp:// or smtps://, with the user and password if the server needs them',
    },
    { key: 'from', label: 'From address', secret: false, required: true },
  ],
  slack: [
    { key: 'botToken', label: 'Bot token', secret: true, required: true },
    { key: 'signingSecret', label: 'Signing secret', secret: true, required: true },
    {
      key: 'defaultChannel',
      label: 'Default channel',
      secret: false,
      required: false,
      description: 'where a message goes when the person has no Slack account',
    },
  ],
  webhook: [
    { key: 'url', label: 'URL', secret: false, required: true },
    {
      key: 'secret',
      label: 'Signing secret',
      secret: true,
      required: true,
      description: 'at least 16 characters; signs X-Jumpgate-Signature',
    },
  ],
};

export const CHANNEL_TYPE_LABELS: Record<ChannelType, string> = {
  email: 'Email',
  slack: 'Slack',
  webhook: 'Webhook',
};

export interface ChannelForm {
  type: ChannelType;
  name: string;
  enabled: boolean;
  /** Every field of the type; secrets start empty (the server never returns them). */
  config: Record<string, string>;
}

export function emptyChannelForm(type: ChannelType = 'email'): ChannelForm {
  return {
    type,
    name: '',
    enabled: true,
    config: Object.fromEntries(CHANNEL_FIELDS[type].map((f) => [f.key, ''])),
  };
}

/** The form for editing `c`: its public fields filled in, its secrets empty (write-only). */
export function channelFormOf(c: Channel): ChannelForm {
  const config: Record<string, string> = {};
  for (const f of CHANNEL_FIELDS[c.type]) {
    const v = c.config[f.key];
    config[f.key] = !f.secret && typeof v === 'string' ? v : '';
  }
  return { type: c.type, name: c.name, enabled: c.enabled, config };
}

/** What the form still lacks; on an edit (`editing`) an empty secret keeps the stored one. */
export function channelProblems(f: ChannelForm, editing: boolean): string[] {
  const p: string[] = [];
  if (!f.name.trim()) p.push('Give the channel a name.');
  for (const field of CHANNEL_FIELDS[f.type]) {
    const v = (f.config[field.key] ?? '').trim();
    if (field.required && !v && !(editing && field.secret)) p.push(`Give the ${field.label.toLowerCase()}.`);
  }
  if (f.type === 'webhook') {
    const secret = f.config.secret ?? '';
    if (secret && secret.length < 16) p.push('The signing secret needs at least 16 characters.');
  }
  return p;
}

function filledConfig(f: ChannelForm, editing: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of CHANNEL_FIELDS[f.type]) {
    const raw = f.config[field.key] ?? '';
    const v = field.secret ? raw : raw.trim();
    // An empty secret on an edit means "keep it"; an empty optional field is left out.
    if (v === '' && (field.secret ? editing : !field.required)) continue;
    out[field.key] = v;
  }
  return out;
}

export function toCreateBody(f: ChannelForm): CreateChannelBody {
  return { type: f.type, name: f.name.trim(), enabled: f.enabled, config: filledConfig(f, false) };
}

/** A PATCH of only what changed against `c`: secrets only when a new value was typed. */
export function toPatchBody(c: Channel, f: ChannelForm): UpdateChannelBody {
  const body: UpdateChannelBody = {};
  if (f.name.trim() !== c.name) body.name = f.name.trim();
  if (f.enabled !== c.enabled) body.enabled = f.enabled;
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(filledConfig(f, true))) {
    const spec = CHANNEL_FIELDS[f.type].find((s) => s.key === k);
    if (spec?.secret || c.config[k] !== v) config[k] = v;
  }
  if (Object.keys(config).length > 0) body.config = config;
  return body;
}

/**
 * The channel's settings as a line for the list: public values as they are; a secret only as "set",
 * with the last 4 characters the server keeps visible so an admin can tell two secrets apart.
 */
export function channelSummary(c: Channel): string {
  return CHANNEL_FIELDS[c.type]
    .filter((f) => typeof c.config[f.key] === 'string')
    .map((f) => {
      const v = String(c.config[f.key]);
      return f.secret ? `${f.label}: set (…${v.replace(/^\*+/, '')})` : `${f.label}: ${v}`;
    })
    .join(' · ');
}
