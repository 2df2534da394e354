import { describe, expect, it } from 'vitest';
import { actionFor, KEYMAP, moveCursor, targets, toggle } from './keyboard';

const key = (k: string, extra: Partial<Parameters<typeof actionFor>[0]> = {}) =>
  actionFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...extra });

describe('review keyboard map', () => {
  it('maps each documented key to its action, and nothing else', () => {
    expect(['j', 'ArrowDown', 'k', 'ArrowUp', 'x', '*', 'a', 'r', 'u', '?'].map((k) => key(k))).toEqual([
      'next',
      'next',
      'previous',
      'previous',
      'select',
      'selectAll',
      'keep',
      'revoke',
      'undo',
      'help',
    ]);
    expect(key('q')).toBeNull();
    expect(key('J')).toBeNull();
    const all = KEYMAP.flatMap((e) => e.keys);
    expect(new Set(all).size).toBe(all.length);
  });

  it('never treats typing in a field or a shortcut with a modifier as a command', () => {
    expect(key('r', { targetTag: 'textarea' })).toBeNull();
    expect(key('j', { targetTag: 'INPUT' })).toBeNull();
    expect(key('a', { targetEditable: true })).toBeNull();
    expect(key('r', { ctrlKey: true })).toBeNull();
    expect(key('a', { metaKey: true })).toBeNull();
    expect(key('x', { targetTag: 'BUTTON' })).toBe('select');
  });

  it('keeps the cursor inside the list', () => {
    expect([moveCursor(-1, 1, 5), moveCursor(4, 1, 5), moveCursor(0, -1, 5), moveCursor(2, 1, 0)]).toEqual([
      0, 4, 0, -1,
    ]);
  });

  it('acts on the selection, else on the item under the cursor', () => {
    const s = toggle(toggle(toggle(new Set(), 'a'), 'b'), 'a');
    expect([...s]).toEqual(['b']);
    expect(targets(s, 'c')).toEqual(['b']);
    expect(targets(new Set(), 'c')).toEqual(['c']);
    expect(targets(new Set(), null)).toEqual([]);
  });
});
