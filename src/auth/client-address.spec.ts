import { throttleKey } from './client-address';

describe('throttleKey', () => {
  it('counts an IPv4 address as itself', () => {
    expect(throttleKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every IPv6 address of one /64 under one key, however it is written', () => {
    const key = throttleKey('2001:db8:aa:bb::1');
    expect(key).toBe('2001:db8:aa:bb::/64');
    for (const a of [
      '2001:0db8:00aa:00bb:ffff:ffff:ffff:fffe',
      '2001:DB8:AA:BB:1:2:3:4',
      '2001:db8:aa:bb::',
      '2001:db8:aa:bb::10.1.2.3',
      '2001:db8:aa:bb::1%eth0',
    ]) {
      expect(throttleKey(a)).toBe(key);
    }
    expect(throttleKey('2001:db8:aa:bc::1')).not.toBe(key);
    expect(throttleKey('2001:db8:aa::1')).toBe('2001:db8:aa:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(throttleKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('never gives an empty key', () => {
    expect(throttleKey(undefined)).toBe('unknown');
    expect(throttleKey('')).toBe('unknown');
    expect(throttleKey('not an address')).toBe('not an address');
  });
});
