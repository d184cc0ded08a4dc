import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import {
  broadcast,
  canonical,
  contains,
  describeShare,
  formatCidr,
  formatIp,
  isIPv4,
  isSubnet,
  networkAddress,
  overlaps,
  parseCidr,
  parseIp,
  prefixMask,
  size,
  splitCidr,
  tryParseCidr,
  validateIpalloc,
} from '../../src/net/cidr.js';

/** Runs fn, expects a usageError (exit 2) with a one-line message, returns the message. */
function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    const err = e as WeavectlError;
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toContain('\n');
    return err.message;
  }
  throw new Error('expected a usage error');
}

describe('parseIp / formatIp', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['10.32.0.1', 0x0a200001],
    ['192.168.1.254', 0xc0a801fe],
    ['1.2.3.4', 0x01020304],
    ['100.64.0.0', 0x64400000],
    ['128.0.0.0', 0x80000000],
  ])('%s = %d and back', (text, n) => {
    expect(parseIp(text)).toBe(n);
    expect(formatIp(n)).toBe(text);
    expect(isIPv4(text)).toBe(true);
  });

  it.each([
    ['1.2.3', 'four dot-separated numbers'],
    ['1.2.3.4.5', 'four dot-separated numbers'],
    ['256.0.0.1', '0-255'],
    ['1.2.3.999', '0-255'],
    ['010.0.0.1', 'leading zeros'],
    ['10.00.0.1', 'leading zeros'],
    ['10.0.0.01', 'leading zeros'],
    [' 10.0.0.1', 'spaces'],
    ['10.0.0.1 ', 'spaces'],
    ['10. 0.0.1', 'spaces'],
    ['', 'four dot-separated numbers'],
    ['a.b.c.d', ''],
    ['1.2.3.-4', ''],
    ['+1.2.3.4', ''],
    ['0x0a.0.0.1', ''],
    ['1..2.3', ''],
    ['1.2.3.4.', ''],
    ['::1', 'IPv6'],
    ['1.2.3.4/32', ''],
  ])('refuses %j', (text, why) => {
    const msg = usage(() => parseIp(text));
    expect(msg).toContain('is not an IPv4 address');
    if (why) expect(msg).toContain(why);
    expect(isIPv4(text)).toBe(false);
  });

  it('formatIp refuses values outside 32 bits', () => {
    expect(() => formatIp(-1)).toThrow(RangeError);
    expect(() => formatIp(2 ** 32)).toThrow(RangeError);
    expect(() => formatIp(1.5)).toThrow(RangeError);
  });
});

describe('parseCidr', () => {
  it.each([
    ['0.0.0.0/0', 0, 0],
    ['10.32.0.0/12', 0x0a200000, 12],
    ['172.25.64.1/18', 0xac194001, 18],
    ['255.255.255.255/32', 0xffffffff, 32],
    ['192.168.0.0/16', 0xc0a80000, 16],
    ['1.2.3.4/9', 0x01020304, 9],
  ])('%s', (text, address, prefix) => {
    expect(parseCidr(text)).toEqual({ address, prefix });
    expect(formatCidr(parseCidr(text))).toBe(text);
  });

  it.each([
    ['10.0.0.0/33', 'from 0 to 32'],
    ['10.0.0.0/-1', 'from 0 to 32'],
    ['10.0.0.0/08', 'leading zeros'],
    ['10.0.0.0/', 'from 0 to 32'],
    ['10.0.0.0/1.5', 'from 0 to 32'],
    ['10.0.0.0/ 8', 'from 0 to 32'],
    ['10.0.0.0/8 ', 'from 0 to 32'],
    ['10.0.0/8', 'is not an IPv4 address'],
    ['010.0.0.0/8', 'leading zeros'],
    ['10.0.0.0/8/8', 'from 0 to 32'],
    ['/8', 'is not an IPv4 address'],
    ['', 'expected a.b.c.d/prefix'],
    ['fd00::/8', 'IPv6'],
    ['10.0.0.0', 'has no prefix length'],
  ])('refuses %j (%s)', (text, part) => {
    expect(usage(() => parseCidr(text))).toContain(part);
    expect(tryParseCidr(text)).toBeUndefined();
  });

  it('a bare address gets a CIDR suggestion aligned to it', () => {
    expect(usage(() => parseCidr('172.25.64.0'))).toContain('172.25.64.0/18');
    expect(usage(() => parseCidr('10.0.0.0'))).toContain('10.0.0.0/12');
    expect(usage(() => parseCidr('192.168.1.0'))).toContain('192.168.1.0/24');
    expect(usage(() => parseCidr('10.0.0.1'))).toContain('10.0.0.0/28');
  });
});

describe('block maths', () => {
  it.each([
    ['10.32.0.0/12', '10.32.0.0', '10.47.255.255', 1048576],
    ['172.25.64.1/18', '172.25.64.0', '172.25.127.255', 16384],
    ['0.0.0.0/0', '0.0.0.0', '255.255.255.255', 4294967296],
    ['255.255.255.255/32', '255.255.255.255', '255.255.255.255', 1],
    ['1.2.3.4/31', '1.2.3.4', '1.2.3.5', 2],
    ['128.0.0.0/1', '128.0.0.0', '255.255.255.255', 2147483648],
    ['127.255.255.255/1', '0.0.0.0', '127.255.255.255', 2147483648],
  ])('%s: network %s, broadcast %s, size %d', (c, net, bc, n) => {
    expect(formatIp(networkAddress(c))).toBe(net);
    expect(formatIp(broadcast(c))).toBe(bc);
    expect(size(c)).toBe(n);
    expect(broadcast(c) - networkAddress(c) + 1).toBe(n);
    expect(formatCidr(canonical(c))).toBe(`${net}/${parseCidr(c).prefix}`);
  });

  it('prefixMask', () => {
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(1)).toBe(0x80000000);
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(() => prefixMask(33)).toThrow(RangeError);
  });

  it.each([
    ['10.32.0.0/12', '10.32.0.0', true],
    ['10.32.0.0/12', '10.47.255.255', true],
    ['10.32.0.0/12', '10.48.0.0', false],
    ['10.32.0.0/12', '10.31.255.255', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['0.0.0.0/0', '0.0.0.0', true],
    ['1.2.3.4/32', '1.2.3.4', true],
    ['1.2.3.4/32', '1.2.3.5', false],
    ['172.25.64.1/18', '172.25.127.1', true],
  ])('contains(%s, %s) = %s', (c, ip, want) => {
    expect(contains(c, ip)).toBe(want);
    expect(contains(parseCidr(c), parseIp(ip))).toBe(want);
  });

  it.each([
    ['10.32.0.0/12', '10.40.0.0/16', true],
    ['10.40.0.0/16', '10.32.0.0/12', true],
    ['10.32.0.0/12', '10.48.0.0/12', false],
    ['10.96.0.0/12', '10.100.0.0/16', true],
    ['0.0.0.0/0', '203.0.113.0/24', true],
    ['1.2.3.4/32', '1.2.3.4/32', true],
    ['1.2.3.4/32', '1.2.3.5/32', false],
    ['192.168.0.0/24', '192.168.1.0/24', false],
    ['192.168.0.0/23', '192.168.1.0/24', true],
  ])('overlaps(%s, %s) = %s', (a, b, want) => {
    expect(overlaps(a, b)).toBe(want);
    expect(overlaps(b, a)).toBe(want);
  });

  it.each([
    ['10.40.0.0/16', '10.32.0.0/12', true],
    ['10.32.0.0/12', '10.40.0.0/16', false],
    ['10.32.0.0/12', '10.32.0.0/12', true],
    ['10.32.0.0/12', '0.0.0.0/0', true],
    ['10.48.0.0/16', '10.32.0.0/12', false],
    ['255.255.255.255/32', '240.0.0.0/4', true],
  ])('isSubnet(%s, %s) = %s', (inner, outer, want) => {
    expect(isSubnet(inner, outer)).toBe(want);
  });

  it('splitCidr in address order', () => {
    expect(splitCidr('10.32.0.0/12', 14).map(formatCidr)).toEqual(['10.32.0.0/14', '10.36.0.0/14', '10.40.0.0/14', '10.44.0.0/14']);
    expect(splitCidr('172.25.64.0/18', 18).map(formatCidr)).toEqual(['172.25.64.0/18']);
    expect(splitCidr('172.25.64.5/18', 19).map(formatCidr)).toEqual(['172.25.64.0/19', '172.25.96.0/19']);
    expect(splitCidr('255.255.255.254/31', 32).map(formatCidr)).toEqual(['255.255.255.254/32', '255.255.255.255/32']);
    const halves = splitCidr('0.0.0.0/0', 1).map(formatCidr);
    expect(halves).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
    const parts = splitCidr('10.0.0.0/8', 24);
    expect(parts).toHaveLength(65536);
    expect(formatCidr(parts[65535]!)).toBe('10.255.255.0/24');
  });

  it('splitCidr refuses a shorter prefix, >32 and huge splits', () => {
    expect(usage(() => splitCidr('10.32.0.0/12', 8))).toContain('from 12 to 32');
    expect(usage(() => splitCidr('10.32.0.0/12', 33))).toContain('from 12 to 32');
    expect(usage(() => splitCidr('0.0.0.0/0', 32))).toContain('4294967296 blocks');
  });

  it('describeShare', () => {
    expect(describeShare('172.25.96.0/19', 8192, 65536)).toBe('172.25.96.0/19 (8192 IPs, 12.5% of 65536)');
    expect(describeShare('10.32.0.1', 1, 1048576)).toBe('10.32.0.1 (1 IP, <0.1% of 1048576)');
    expect(describeShare('10.32.0.0', 0, 0)).toBe('10.32.0.0 (0 IPs, 0.0% of 0)');
  });
});

describe('validateIpalloc', () => {
  it.each([
    // Weave's own default contains k3s' service range: true, and worth saying on k3s.
    ['10.32.0.0/12', ['10.43.0.0/16']],
    ['172.25.64.0/18', []],
    ['192.168.0.0/16', []],
    ['10.0.0.0/8', ['10.96.0.0/12', '10.43.0.0/16', '10.100.0.0/16', '10.0.0.0/24']],
    ['10.42.0.0/16', []],
    ['100.64.0.0/10', []],
    ['10.200.0.0/28', []],
  ])('accepts %s (warnings about %j)', (text, ranges) => {
    const { cidr, warnings } = validateIpalloc(text);
    expect(cidr).toBe(text);
    expect(warnings).toHaveLength(ranges.length);
    ranges.forEach((r, i) => expect(warnings[i]).toContain(r));
  });

  it('refuses IPv6', () => {
    expect(usage(() => validateIpalloc('fd00:10:32::/64'))).toContain("IPv4 only: Weave Net's IPAM does not allocate IPv6");
    expect(usage(() => validateIpalloc('::/0'))).toContain('IPv4 only');
  });

  it('refuses an address that is not the network address, suggesting it', () => {
    expect(usage(() => validateIpalloc('172.25.64.1/18'))).toBe('172.25.64.1/18 is not a network address: did you mean 172.25.64.0/18?');
    expect(usage(() => validateIpalloc('10.32.0.1/12'))).toBe('10.32.0.1/12 is not a network address: did you mean 10.32.0.0/12?');
  });

  it('refuses a missing prefix with a hint', () => {
    try {
      validateIpalloc('172.25.64.0');
      expect.unreachable();
    } catch (e) {
      const err = e as WeavectlError;
      expect(err.exitCode).toBe(2);
      expect(err.message).toBe('172.25.64.0 has no prefix length: --ipalloc takes a CIDR, e.g. 172.25.64.0/18');
      expect(err.hint).toContain('10.32.0.0/12');
    }
  });

  it.each([
    ['0.0.0.0/0', 'too large'],
    ['10.0.0.0/7', 'too large'],
    ['128.0.0.0/1', 'too large'],
    ['10.0.0.0/29', 'too small'],
    ['10.0.0.0/32', 'too small'],
    ['0.0.0.0/8', 'this network'],
    ['0.0.0.0/12', 'this network'],
    ['127.0.0.0/8', 'loopback'],
    ['127.1.0.0/16', 'loopback'],
    ['169.254.0.0/16', 'link-local'],
    ['169.0.0.0/8', 'link-local'],
    ['224.0.0.0/8', 'multicast'],
    ['239.1.0.0/16', 'multicast'],
    ['240.0.0.0/8', 'reserved'],
    ['255.255.255.0/24', 'reserved'],
    ['', 'needs an IPv4 CIDR'],
    ['   ', 'needs an IPv4 CIDR'],
    ['10.32.0.0/12 ', 'from 0 to 32'],
    ['10.32.0/12', 'is not an IPv4 address'],
    ['default', 'is not an IPv4 CIDR'],
  ])('refuses %j (%s)', (text, part) => {
    expect(usage(() => validateIpalloc(text))).toContain(part);
  });

  it('explains why a prefix is out of bounds', () => {
    expect(usage(() => validateIpalloc('10.0.0.0/6'))).toMatch(/wider than \/8/);
    expect(usage(() => validateIpalloc('10.0.0.0/30'))).toMatch(/only 4 addresses.*weave bridge.*\/28/);
  });

  it.each([
    ['10.96.0.0/16', "kubeadm's default service range"],
    ['10.64.0.0/10', "kubeadm's default service range"],
    ['10.43.0.0/16', "k3s' default service range"],
    ['10.100.0.0/16', 'EKS'],
    ['172.20.0.0/16', 'EKS'],
    ['10.0.0.0/16', 'old kube-apiserver default service range'],
    ['172.16.0.0/12', 'docker0'],
    ['172.17.0.0/16', 'docker0'],
  ])('warns that %s overlaps %s', (text, who) => {
    const { warnings } = validateIpalloc(text);
    expect(warnings.some((w) => w.includes(who))).toBe(true);
    for (const w of warnings) expect(w).not.toContain('\n');
  });

  it("names k3s' pod range in the k3s warning", () => {
    const w = validateIpalloc('10.43.0.0/16').warnings.join(' ');
    expect(w).toContain('10.42.0.0/16');
  });

  it('says that docker0 overlap makes weave refuse to start', () => {
    expect(validateIpalloc('172.17.0.0/16').warnings[0]).toContain('overlaps with existing route');
  });

  it.each(['203.0.113.0/24', '8.8.0.0/16', '11.0.0.0/8', '172.32.0.0/16', '192.169.0.0/16', '100.128.0.0/16'])(
    'warns that %s is public',
    (text) => {
      const { warnings } = validateIpalloc(text);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('not inside a private range');
    },
  );

  it('a range straddling private space is public too', () => {
    expect(validateIpalloc('172.0.0.0/8').warnings.some((w) => w.includes('not inside a private range'))).toBe(true);
  });
});
