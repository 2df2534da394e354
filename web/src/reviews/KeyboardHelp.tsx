import { Group, Kbd, Text } from '@mantine/core';
import { KEYMAP } from './keyboard';

const shown = (k: string) => (k === 'ArrowDown' ? '↓' : k === 'ArrowUp' ? '↑' : k);

/** The keyboard map, compact, from the same table the handler uses. */
export function KeyboardHelp() {
  return (
    <Group component="ul" gap="md" aria-label="Keyboard shortcuts" p={0} m={0} style={{ listStyle: 'none' }}>
      {KEYMAP.map((e) => (
        <Text component="li" size="sm" key={e.action}>
          {e.keys.map((k, i) => (
            <span key={k}>
              {i > 0 && '/'}
              <Kbd>{shown(k)}</Kbd>
            </span>
          ))}{' '}
          {e.label}
        </Text>
      ))}
    </Group>
  );
}
