/** The two jobs of the `campaigns` queue; payloads carry ids only. */
export type CampaignJob =
  | { name: 'launch'; data: { campaignId: string; requestedBy: string | null } }
  | { name: 'close'; data: { campaignId: string; requestedBy: string | null } };
export type CampaignJobData = CampaignJob['data'];

export const campaignJobId = (name: CampaignJob['name'], campaignId: string): string =>
  `campaign-${name}.${campaignId}`;
