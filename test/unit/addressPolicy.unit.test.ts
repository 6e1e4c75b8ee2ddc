import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, destinationAddressPolicy, embeddedIpv4, refusalOf, webhookAddressPolicy, type AddressClass } from '../../libs/net/index.js';

/** IPv4 forms the IPv6 socket API accepts for the same host. */
const mapped = (v4: string) => [`::ffff:${v4}`, `::ffff:${v4.split('.').map(Number).reduce((hex, n, i) => hex + (i === 2 ? ':' : '') + n.toString(16).padStart(2, '0'), '')}`];

describe('address classifier', () => {
  const cases: Array<[AddressClass, string[]]> = [
    ['loopback', ['127.0.0.1', '127.255.0.9', '::1']],
    ['private', ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', 'fc00::1', 'fd12:3456::1', 'fec0::1']],
    ['link-local', ['169.254.0.1', '169.254.255.254', 'fe80::1', 'febf::1', 'fe80::1%eth0']],
    ['metadata', ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16']],
    ['unspecified', ['0.0.0.0', '0.1.2.3', '::']],
    ['benchmarking', ['198.18.0.1', '198.19.255.255', '2001:2::1']],
    ['multicast', ['224.0.0.1', '239.255.255.250', 'ff02::1']],
    ['reserved', ['240.0.0.1', '255.255.255.255', '192.0.2.1', '198.51.100.1', '203.0.113.1', '192.0.0.8', '2001:db8::1', '100::1']],
    ['nat64', ['64:ff9b::808:808', '64:ff9b::a9fe:a9fe', '64:ff9b::127.0.0.1', '64:ff9b:1::1']],
    ['6to4', ['2002::1', '2002:0a00:0001::1', '2002:7f00:1::']],
    ['teredo', ['2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']],
    ['public', ['8.8.8.8', '1.1.1.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '100.63.255.255', '100.128.0.0', '198.17.255.255', '198.20.0.0', '2606:4700:4700::1111', '[2606:4700::1]']],
  ];
  for (const [cls, addresses] of cases) {
    for (const address of addresses) it(`${address} is ${cls}`, () => assert.equal(classifyAddress(address), cls));
  }

  it('classes an IPv4-mapped or IPv4-compatible IPv6 address as the IPv4 address it is, in every range', () => {
    const v4: Array<[string, AddressClass]> = [
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.0.1', 'private'],
      ['100.64.1.1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['100.100.100.200', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['198.18.0.1', 'benchmarking'],
      ['224.0.0.1', 'multicast'],
      ['203.0.113.9', 'reserved'],
      ['8.8.8.8', 'public'],
    ];
    for (const [address, cls] of v4) {
      for (const form of mapped(address)) assert.equal(classifyAddress(form), cls, form);
      if (address !== '0.0.0.0') assert.equal(classifyAddress(`::${address}`), cls, `::${address}`);
    }
  });

  it('is undefined for text that is not an IP address', () => {
    for (const text of ['localhost', 'example.com', '1.2.3', '::g', '']) assert.equal(classifyAddress(text), undefined, text);
  });

  it('finds the IPv4 host behind NAT64, 6to4 and Teredo addresses', () => {
    assert.equal(embeddedIpv4('64:ff9b::a9fe:a9fe'), '169.254.169.254');
    assert.equal(embeddedIpv4('64:ff9b::10.0.0.1'), '10.0.0.1');
    assert.equal(embeddedIpv4('2002:c0a8:0101::1'), '192.168.1.1');
    assert.equal(embeddedIpv4('2001:0:4136:e378:8000:63bf:3fff:fdd2'), '192.0.2.45');
    assert.equal(embeddedIpv4('2606:4700::1'), undefined);
  });
});

describe('webhook address policy', () => {
  const strict = webhookAddressPolicy(false);
  const permissive = webhookAddressPolicy(true);

  it('refuses every range that is not public by default, and their IPv4-mapped forms', () => {
    const refused = ['127.0.0.1', '::1', '10.0.0.1', '172.16.0.1', '192.168.0.1', '100.64.0.1', 'fd00::1', '169.254.1.1', 'fe80::1', '169.254.169.254', 'fd00:ec2::254',
      '0.0.0.0', '::', '198.18.0.1', '224.0.0.1', '240.0.0.1', '64:ff9b::808:808', '2002:808:808::1', '2001::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:198.18.0.1'];
    for (const address of refused) assert.notEqual(refusalOf(address, strict), undefined, address);
    for (const address of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(refusalOf(address, strict), undefined, address);
    assert.equal(refusalOf('localhost', strict), 'not an IP address');
  });

  it('with private networks allowed, still refuses link-local, metadata and transition addresses leading to them', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', 'fd00::1', '198.18.0.1', '::ffff:192.168.0.1', '64:ff9b::10.0.0.1', '2002:0a00:0001::1']) {
      assert.equal(refusalOf(address, permissive), undefined, address);
    }
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', 'fe80::1', 'fd00:ec2::254', '0.0.0.0', '224.0.0.1']) {
      assert.notEqual(refusalOf(address, permissive), undefined, address);
    }
    assert.equal(refusalOf('64:ff9b::a9fe:a9fe', permissive), 'nat64 to 169.254.169.254 (metadata)');
    assert.equal(refusalOf('2002:a9fe:0101::1', permissive), '6to4 to 169.254.1.1 (link-local)');
  });
});

describe('destination address policy', () => {
  it('allows private networks and loopback (on-premises S3), refuses link-local and metadata', () => {
    const policy = destinationAddressPolicy(false);
    for (const address of ['10.0.0.5', '192.168.1.20', '172.20.0.3', '127.0.0.1', 'fd00::5', '8.8.8.8', '::ffff:10.0.0.5']) assert.equal(refusalOf(address, policy), undefined, address);
    assert.equal(refusalOf('169.254.169.254', policy), 'metadata');
    assert.equal(refusalOf('::ffff:169.254.169.254', policy), 'metadata');
    assert.equal(refusalOf('169.254.10.10', policy), 'link-local');
    assert.equal(refusalOf('fe80::1', policy), 'link-local');
    assert.equal(refusalOf('64:ff9b::a9fe:a9fe', policy), 'nat64 to 169.254.169.254 (metadata)');
  });

  it('allows link-local and metadata when the operator does', () => {
    const policy = destinationAddressPolicy(true);
    for (const address of ['169.254.169.254', 'fe80::1', '169.254.10.10']) assert.equal(refusalOf(address, policy), undefined, address);
  });
});
