import type { components } from '../../api/schema';
import {
  type CampaignFields,
  campaignFieldProblems,
  campaignFieldsOf,
  emptyCampaignFields,
  toCampaignFieldsBody,
} from '../campaigns/campaign-fields';

export type Template = components['schemas']['CampaignTemplateResponse'];
export type CreateTemplateBody = components['schemas']['CreateCampaignTemplateDto'];
export type UpdateTemplateBody = components['schemas']['UpdateCampaignTemplateDto'];

/** What the template form holds: the shared campaign fields plus the template's own. */
export interface TemplateForm extends CampaignFields {
  connectionId: string;
  name: string;
  description: string;
  everyMonths: string;
  dayOfMonth: string;
  durationDays: string;
  mode: CreateTemplateBody['mode'];
  certificationValidDays: string;
  maxSyncAgeHours: string;
}

export function emptyTemplateForm(): TemplateForm {
  return {
    ...emptyCampaignFields(),
    connectionId: '',
    name: '',
    description: '',
    everyMonths: '3',
    dayOfMonth: '1',
    durationDays: '14',
    mode: 'full',
    certificationValidDays: '365',
    maxSyncAgeHours: '24',
  };
}

/** The form of an existing template, for editing. */
export function templateToForm(t: Template): TemplateForm {
  return {
    ...campaignFieldsOf(t),
    connectionId: t.connectionId,
    name: t.name,
    description: t.description ?? '',
    everyMonths: String(t.schedule.everyMonths),
    dayOfMonth: String(t.schedule.dayOfMonth),
    durationDays: String(t.durationDays),
    mode: t.mode,
    certificationValidDays: String(t.certificationValidDays),
    maxSyncAgeHours: String(t.maxSyncAgeHours),
  };
}

const isInt = (s: string, min: number, max: number) =>
  /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max;
const isPositive = (s: string) => /^\d*\.?\d+$/.test(s.trim()) && Number(s) > 0;

/** What the form still lacks, in words; empty when it can be saved. */
export function templateProblems(f: TemplateForm): string[] {
  const problems: string[] = [];
  if (!f.connectionId) problems.push('Choose a connection.');
  if (!f.name.trim()) problems.push('Give the template a name.');
  problems.push(...campaignFieldProblems(f));
  if (!isInt(f.everyMonths, 1, 12)) problems.push('Repeat every 1 to 12 months.');
  if (!isInt(f.dayOfMonth, 1, 28)) problems.push('Start periods on a day from 1 to 28.');
  if (!isPositive(f.durationDays) || Number(f.durationDays) > 365)
    problems.push('Give each campaign a duration of more than 0 and at most 365 days.');
  if (!isPositive(f.maxSyncAgeHours)) problems.push('The oldest accepted sync must be more than 0 hours.');
  if (!isPositive(f.certificationValidDays) || Number(f.certificationValidDays) > 3650)
    problems.push('Certify kept memberships for a number of days between 0 and 3650.');
  return problems;
}

/** The `POST /campaign-templates` body the form describes. */
export function toTemplateBody(f: TemplateForm): CreateTemplateBody {
  return {
    connectionId: f.connectionId,
    ...toTemplatePatch(f),
  };
}

/** The `PATCH /campaign-templates/{id}` body: every field but the connection, lists replaced whole. */
export function toTemplatePatch(f: TemplateForm): Omit<CreateTemplateBody, 'connectionId'> {
  return {
    name: f.name.trim(),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    ...toCampaignFieldsBody(f),
    schedule: { everyMonths: Number(f.everyMonths), dayOfMonth: Number(f.dayOfMonth) },
    durationDays: Number(f.durationDays),
    mode: f.mode,
    certificationValidDays: Number(f.certificationValidDays),
    maxSyncAgeHours: Number(f.maxSyncAgeHours),
    // The server's own defaults, sent because the generated type requires them.
    closeAfterDueDays: 0,
    escalateAfterDays: 3,
  };
}

const NAMED: Record<number, string> = { 1: 'monthly', 3: 'quarterly', 6: 'half-yearly', 12: 'yearly' };

/** "Quarterly, from day 1 (00:00 UTC)" or "Every 2 months, from day 15 (00:00 UTC)". */
export function scheduleText(s: Template['schedule']): string {
  const every = NAMED[s.everyMonths];
  const head = every ? every.charAt(0).toUpperCase() + every.slice(1) : `Every ${s.everyMonths} months`;
  return `${head}, from day ${s.dayOfMonth} (00:00 UTC)`;
}
