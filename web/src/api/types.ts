// Names for the generated schemas the pages use; every type comes from schema.d.ts (openapi.json).
import type { components } from './schema';

type S = components['schemas'];
export type Me = S['MeResponse'];
export type Role = S['Role'];
export type ReviewItem = S['ReviewItemResponse'];
export type ReviewSummaryEntry = S['ReviewSummaryEntryResponse'];
export type BulkDecisionResult = S['BulkDecisionResult'];
export type Decision = S['DecisionDto']['decision'];
export type CatalogEntry = S['CatalogEntry'];
export type AccessRequest = S['AccessRequestResponse'];
export type Grant = S['GrantResponse'];
export type AccountDetail = S['AccountDetailResponse'];
export type Group = S['GroupResponse'];
