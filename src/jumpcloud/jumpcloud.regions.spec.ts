import { JumpCloudClient } from './jumpcloud.client';

/** The region hosts of API.md "Environment": Directory Insights has its own host in the us region. */
describe('JumpCloud region hosts', () => {
  const credentials = { type: 'api_key' as const, apiKey: 'k' };

  it.each([
    [
      'us',
      'https://console.jumpcloud.com/api',
      'https://admin-oauth.id.jumpcloud.com/oauth2/token',
      'https://api.jumpcloud.com/insights/directory/v1',
    ],
    [
      'eu',
      'https://console.eu.jumpcloud.com/api',
      'https://admin-oauth.id.eu.jumpcloud.com/oauth2/token',
      'https://console.eu.jumpcloud.com/insights/directory/v1',
    ],
  ] as const)('%s', (region, apiUrl, tokenUrl, insightsUrl) => {
    const c = new JumpCloudClient({ orgId: 'o', region, credentials });
    expect([c.apiUrl, c.tokenUrl, c.insightsUrl]).toEqual([apiUrl, tokenUrl, insightsUrl]);
  });

  it('takes an insights override without a trailing slash', () => {
    const c = new JumpCloudClient({
      orgId: 'o',
      credentials,
      insightsUrl: 'http://127.0.0.1:9/insights/directory/v1/',
    });
    expect(c.insightsUrl).toBe('http://127.0.0.1:9/insights/directory/v1');
  });
});
