import { describe, expect, it } from 'vitest';
import {
  type Channel,
  channelFormOf,
  channelProblems,
  channelSummary,
  emptyChannelForm,
  toCreateBody,
  toPatchBody,
} from './channel-logic';

const slack: Channel = {
  id: '00000000-0000-4000-8000-000000000001',
  type: 'slack',
  name: 'Team Slack',
  enabled: true,
  config: { botToken: '***abcd', signingSecret: '***wxyz', defaultChannel: '#access' },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('channel form', () => {
  it('asks for every required field of the chosen type', () => {
    expect(channelProblems(emptyChannelForm('webhook'), false)).toEqual([
      'Give the channel a name.',
      'Give the url.',
      'Give the signing secret.',
    ]);
    const f = emptyChannelForm('webhook');
    f.name = 'Hook';
    f.config = { url: 'https://hooks.example.com/x', secret: 'short' };
    expect(channelProblems(f, false)).toEqual(['The signing secret needs at least 16 characters.']);
  });

  it('creates with the fields given, leaving an empty optional field out', () => {
    const f = emptyChannelForm('slack');
    f.name = ' Team ';
    f.config = { botToken: 'xoxb-1', signingSecret: 's3cret', defaultChannel: '' };
    expect(toCreateBody(f)).toEqual({
      type: 'slack',
      name: 'Team',
      enabled: true,
      config: { botToken: 'xoxb-1', signingSecret: 's3cret' },
    });
  });

  it('never puts a stored secret in the edit form, and keeps it when the field stays empty', () => {
    const f = channelFormOf(slack);
    expect(f.config).toEqual({ botToken: '', signingSecret: '', defaultChannel: '#access' });
    expect(channelProblems(f, true)).toEqual([]);
    expect(toPatchBody(slack, f)).toEqual({});
    f.enabled = false;
    f.config.defaultChannel = '#security';
    f.config.botToken = 'xoxb-new';
    expect(toPatchBody(slack, f)).toEqual({
      enabled: false,
      config: { botToken: 'xoxb-new', defaultChannel: '#security' },
    });
  });

  it('lists a secret only as set, with the last 4 the server shows', () => {
    expect(channelSummary(slack)).toBe(
      'Bot token: set (…abcd) · Signing secret: set (…wxyz) · Default channel: #access',
    );
  });
});
