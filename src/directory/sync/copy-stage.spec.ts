import { copyLine } from './copy-stage';

describe('copyLine', () => {
  it('escapes what COPY text format needs and writes NULL as \\N', () => {
    expect(copyLine(['a\tb', null, 'line\nbreak\\', 'cr\r'])).toBe('a\\tb\t\\N\tline\\nbreak\\\\\tcr\\r\n');
  });

  it('writes text arrays as escaped array literals', () => {
    expect(copyLine([['Administrator', 'Help "Desk"']])).toBe('{"Administrator","Help \\\\"Desk\\\\""}\n');
    expect(copyLine([[]])).toBe('{}\n');
  });
});
