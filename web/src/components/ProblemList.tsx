import { List } from '@mantine/core';

/** What a form still lacks, in words; nothing when it lacks nothing. */
export function ProblemList({ problems, testId }: { problems: string[]; testId: string }) {
  if (problems.length === 0) return null;
  return (
    <List size="sm" data-testid={testId}>
      {problems.map((p) => (
        <List.Item key={p}>{p}</List.Item>
      ))}
    </List>
  );
}
