import { isIP } from 'node:net';

/** IPv6 hextets in the /64 prefix a throttle counts by. */
const PREFIX_HEXTETS = 4;

/**
 * The key a client address is counted under for failed authentications: an IPv4 address as it is,
 * an IPv6 address by its /64 (one subscriber, host or container network usually holds a whole /64,
 * so counting single addresses would let it rotate through 2^64 of them), an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 clients) as the IPv4 address it carries.
 * Anything that is not an address is counted under its own text, which is never empty.
 */
export function throttleKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return address;
  const hextets = expandIpv6(bare);
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return `${hextets[6] >> 8}.${hextets[6] & 0xff}.${hextets[7] >> 8}.${hextets[7] & 0xff}`;
  }
  return `${hextets
    .slice(0, PREFIX_HEXTETS)
    .map((h) => h.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (isIP said so), a dotted IPv4 tail included. */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const gap = text.indexOf('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  if (gap < 0) return parse(text);
  const head = parse(text.slice(0, gap));
  const rest = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}
