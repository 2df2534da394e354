import { Group, SegmentedControl, Select, TextInput } from '@mantine/core';
import type { Option, ReviewFilters } from './filters';

export function ReviewFiltersBar({
  filters,
  onChange,
  campaigns,
  groups,
  applications,
}: {
  filters: ReviewFilters;
  onChange: (f: ReviewFilters) => void;
  campaigns: Option[];
  groups: Option[];
  applications: Option[];
}) {
  const set = (patch: Partial<ReviewFilters>) => onChange({ ...filters, ...patch });
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label="Filter review items">
      <SegmentedControl
        aria-label="Status"
        value={filters.status}
        onChange={(v) => set({ status: v === 'decided' ? 'decided' : 'pending' })}
        data={[
          { value: 'pending', label: 'To decide' },
          { value: 'decided', label: 'Decided' },
        ]}
      />
      <Select
        label="Campaign"
        placeholder="All campaigns"
        data={campaigns}
        value={filters.campaignId}
        onChange={(v) => set({ campaignId: v })}
        clearable
        searchable
        w={200}
      />
      <Select
        label="Group"
        placeholder="All groups"
        data={groups}
        value={filters.groupId}
        onChange={(v) => set({ groupId: v })}
        clearable
        searchable
        w={180}
      />
      <Select
        label="Application"
        placeholder="All applications"
        data={applications}
        value={filters.applicationId}
        onChange={(v) => set({ applicationId: v })}
        clearable
        searchable
        w={180}
      />
      <Select
        label="Recommendation"
        placeholder="Any"
        data={[
          { value: 'revoke', label: 'Suggests revoke' },
          { value: 'review', label: 'Suggests a look' },
          { value: 'keep', label: 'Suggests keep' },
          { value: 'none', label: 'No recommendation' },
        ]}
        value={filters.recommendation}
        onChange={(v) => set({ recommendation: v ?? null })}
        clearable
        w={180}
      />
      <TextInput
        label="Person"
        placeholder="Name, email, department"
        value={filters.text}
        onChange={(e) => set({ text: e.currentTarget.value })}
        w={200}
      />
    </Group>
  );
}
