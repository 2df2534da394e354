import { stringify } from 'csv-stringify/sync';
import { csvCell } from './csv';

describe('csvCell', () => {
  it.each(['=SUM(A1)', '+1', '-2', '@cmd', '\tx', '\rx'])('escapes %j', (v) => {
    expect(csvCell(v)).toBe(`'${v}`);
  });

  it('leaves ordinary text alone, including a formula character later in the cell', () => {
    expect(csvCell('alice@example.com')).toBe('alice@example.com');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('')).toBe('');
  });

  it('still quotes commas, quotes and newlines after escaping', () => {
    expect(stringify([['=1,2', 'say "hi"'].map(csvCell)])).toBe(`"'=1,2","say ""hi"""\n`);
  });
});
