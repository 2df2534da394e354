import { describe, expect, it } from 'vitest';
import {
  campaignFieldProblems,
  campaignFieldsOf,
  emptyCampaignFields,
  toCampaignFieldsBody,
} from './campaign-fields';

const filled = { ...emptyCampaignFields(), fallbackReviewerId: 'p1' };

describe('the campaign fields both forms share', () => {
  it('defaults to the server caps (50 % of a group, 500 per close) and no administrators', () => {
    expect(toCampaignFieldsBody(filled)).toEqual({
      scope: { groupIds: [] },
      reviewerStrategy: 'manager',
      reviewerIds: [],
      fallbackReviewerIds: ['p1'],
      defaultDecision: 'none',
      autoRemediate: false,
      maxRevokeSharePerGroup: 0.5,
      maxRevokesPerClose: 500,
      inactiveDays: 60,
    });
  });

  it('takes inactiveDays as a whole number of days from 1, and shows what the server stored', () => {
    expect(toCampaignFieldsBody({ ...filled, inactiveDays: ' 30 ' }).inactiveDays).toBe(30);
    for (const days of ['0', '1.5', '-2', '', 'two months', '3651']) {
      expect(campaignFieldProblems({ ...filled, inactiveDays: days })).toEqual([
        'The days without a sign-in are a whole number from 1 to 3650.',
      ]);
    }
    expect(campaignFieldProblems({ ...filled, inactiveDays: '1' })).toEqual([]);
    expect(campaignFieldProblems({ ...filled, inactiveDays: '120' })).toEqual([]);
  });

  it('sends the administrators scope alone or with groups, and the caps as the API wants them', () => {
    expect(toCampaignFieldsBody({ ...filled, administrators: true }).scope).toEqual({
      groupIds: [],
      administrators: true,
    });
    expect(
      toCampaignFieldsBody({
        ...filled,
        administrators: true,
        groupIds: ['g1'],
        maxRevokePercentPerGroup: '29',
        maxRevokesPerClose: '0',
      }),
    ).toMatchObject({
      scope: { groupIds: ['g1'], administrators: true },
      maxRevokeSharePerGroup: 0.29,
      maxRevokesPerClose: 0,
    });
  });

  it('refuses caps out of range in words', () => {
    expect(campaignFieldProblems(filled)).toEqual([]);
    for (const pct of ['101', '-1', '', 'half']) {
      expect(campaignFieldProblems({ ...filled, maxRevokePercentPerGroup: pct })).toEqual([
        'The share of a group one close may remove is between 0 and 100 %.',
      ]);
    }
    for (const n of ['1.5', '-3', '', 'many']) {
      expect(campaignFieldProblems({ ...filled, maxRevokesPerClose: n })).toEqual([
        'The removals one close may apply is a whole number, 0 or more.',
      ]);
    }
    expect(
      campaignFieldProblems({ ...filled, maxRevokePercentPerGroup: '0', maxRevokesPerClose: '0' }),
    ).toEqual([]);
  });

  it('reads a campaign back: share 0.29 shows as 29 %, not 28.999…', () => {
    expect(
      campaignFieldsOf({
        scope: { groupIds: ['g1'], administrators: true },
        reviewerStrategy: 'named',
        reviewerIds: ['p2'],
        fallbackReviewerIds: ['p1'],
        defaultDecision: 'revoke',
        autoRemediate: true,
        maxRevokeSharePerGroup: 0.29,
        maxRevokesPerClose: 7,
        inactiveDays: 45,
      }),
    ).toEqual({
      groupIds: ['g1'],
      administrators: true,
      reviewerStrategy: 'named',
      reviewerIds: ['p2'],
      fallbackReviewerId: 'p1',
      defaultDecision: 'revoke',
      autoRemediate: true,
      maxRevokePercentPerGroup: '29',
      maxRevokesPerClose: '7',
      inactiveDays: '45',
    });
  });
});
