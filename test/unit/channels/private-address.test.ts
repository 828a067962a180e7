import { literalPrivateEndpoints, privateRangeOf } from '../../../src/shared/private-address';
import { parseConfig } from '../../../src/config/load-config';

describe('privateRangeOf (which webhook addresses are refused)', () => {
  it.each([
    ['127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['127.255.255.254', 'loopback (127.0.0.0/8)'],
    ['0.0.0.0', 'this-host (0.0.0.0/8)'],
    ['10.0.0.1', 'private (10.0.0.0/8)'],
    ['172.16.0.1', 'private (172.16.0.0/12)'],
    ['172.31.255.255', 'private (172.16.0.0/12)'],
    ['192.168.1.10', 'private (192.168.0.0/16)'],
    ['169.254.169.254', 'link-local (169.254.0.0/16, cloud metadata)'],
    ['100.64.0.1', 'shared carrier-grade NAT (100.64.0.0/10)'],
    ['100.127.255.255', 'shared carrier-grade NAT (100.64.0.0/10)'],
    ['224.0.0.1', 'multicast (224.0.0.0/4)'],
    ['255.255.255.255', 'reserved (240.0.0.0/4, broadcast included)'],
    ['::', 'unspecified (::)'],
    ['[::]', 'unspecified (::)'],
    ['::1', 'loopback (::1)'],
    ['[::1]', 'loopback (::1)'],
    ['::ffff:127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['[::ffff:7f00:1]', 'loopback (127.0.0.0/8)'],
    ['::ffff:169.254.169.254', 'link-local (169.254.0.0/16, cloud metadata)'],
    ['::ffff:10.1.2.3', 'private (10.0.0.0/8)'],
    ['64:ff9b::7f00:1', 'loopback (127.0.0.0/8)'],
    ['::127.0.0.1', 'IPv4-compatible (::/96)'],
    ['fc00::1', 'unique local (fc00::/7)'],
    ['fd12:3456::1', 'unique local (fc00::/7)'],
    ['fe80::1', 'link-local (fe80::/10)'],
    ['febf::1', 'link-local (fe80::/10)'],
    ['fec0::1', 'site-local (fec0::/10)'],
    ['ff02::1', 'multicast (ff00::/8)'],
  ])('%s is %s', (address, range) => {
    expect(privateRangeOf(address)).toBe(range);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '100.63.255.255',
    '169.253.0.1',
    '192.169.0.1',
    '11.0.0.1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2606:4700:4700::1111',
    '[2001:4860:4860::8888]',
    '2a00::1',
  ])('%s is public', (address) => {
    expect(privateRangeOf(address)).toBeNull();
  });

  it('takes host names as not an address (they are checked when connecting, after DNS)', () => {
    for (const host of ['localhost', 'partner.example', '', '127.0.0.1.nip.io']) expect(privateRangeOf(host)).toBeNull();
  });

  it('sees the IPv4 forms the URL parser normalises: decimal, octal, hex, short', () => {
    for (const host of ['2130706433', '017700000001', '0x7f000001', '0x7f.1', '127.1', '0']) {
      expect(privateRangeOf(new URL(`http://${host}:8080/`).hostname)).not.toBeNull();
    }
    expect(privateRangeOf(new URL('http://[::ffff:127.0.0.1]:8080/').hostname)).toBe('loopback (127.0.0.0/8)');
  });
});

describe('channels.webhook.allowPrivateAddresses in the config', () => {
  const webhook = (allow: boolean) => ({
    allowPrivateAddresses: allow,
    endpoints: { metadata: 'http://169.254.169.254/latest/meta-data/', decimal: 'http://2130706433:8080/hook', partner: 'https://partner.example/hook' },
    users: { ada: 'http://[::ffff:127.0.0.1]:9000/inbox' },
  });

  it('is off by default, and then refuses endpoints whose URL is a literal non-public IP, naming the switch', () => {
    expect(parseConfig({}).channels.webhook.allowPrivateAddresses).toBe(false);
    expect(literalPrivateEndpoints(webhook(false)).map((p) => p.path.join('.'))).toEqual(['endpoints.metadata', 'endpoints.decimal', 'users.ada']);
    const { endpoints, users } = webhook(false);
    expect(() => parseConfig({ channels: { webhook: { endpoints, users } } })).toThrow(
      /channels\.webhook\.endpoints\.metadata: 169\.254\.169\.254 is a link-local .*set channels\.webhook\.allowPrivateAddresses to true if it is yours/,
    );
    expect(() => parseConfig({ channels: { webhook: { endpoints: { decimal: endpoints.decimal } } } })).toThrow(
      /channels\.webhook\.endpoints\.decimal: 127\.0\.0\.1 is a loopback/,
    );
  });

  it('accepts them once the switch is on', () => {
    expect(literalPrivateEndpoints(webhook(true))).toEqual([]);
    expect(parseConfig({ channels: { webhook: webhook(true) } }).channels.webhook.allowPrivateAddresses).toBe(true);
  });
});
