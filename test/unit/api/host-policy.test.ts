import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HostPolicy,
  canonicalAddress,
  embeddedV4,
  isRestrictedAddress,
  isRestrictedHost,
} from '../../../src/api/validation/host-policy.ts';
import { jarUriProblem } from '../../../src/api/validation/jar-uri.ts';

describe('jarURI host policy', () => {
  test('restricted addresses in IPv4 and IPv6, including forms that embed IPv4', () => {
    const restricted = [
      '0.0.0.0',
      '10.1.2.3',
      '100.100.100.200',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.31.0.1',
      '192.168.1.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::127.0.0.1',
      '::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      'fd00:ec2::254',
      'fe80::1',
      'ff02::1',
    ];
    for (const a of restricted) assert.equal(isRestrictedAddress(a), true, a);
    for (const a of ['8.8.8.8', '140.82.112.3', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      assert.equal(isRestrictedAddress(a), false, a);
    }
    assert.equal(embeddedV4('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(embeddedV4('2606:4700::1111'), undefined);
    assert.equal(canonicalAddress('[::FFFF:A9FE:A9FE]'), '169.254.169.254');
  });

  test('internal names are restricted as written; public names are left to the resolver', () => {
    for (const h of [
      'localhost',
      'localhost.',
      'LOCALHOST',
      'a.localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local.',
      'minio.tools.svc.example.org',
      'metadata',
      'metadata.google.internal',
      'printer.local',
    ]) {
      assert.equal(isRestrictedHost(h), true, h);
    }
    for (const h of ['repo1.maven.org', 'example.com.', 'svc.example.com'])
      assert.equal(isRestrictedHost(h), false, h);
  });

  test('the allow-list admits names, addresses and ranges, with or without a port', () => {
    const policy = new HostPolicy(true, ['127.0.0.1:8080', 'nexus.tools.svc', '10.0.0.0/8', '[::1]:9000']);
    assert.equal(policy.nameProblem({ host: '127.0.0.1', port: 8080 }), undefined);
    assert.match(policy.nameProblem({ host: '127.0.0.1', port: 8081 }) ?? '', /restricted/);
    assert.equal(policy.nameProblem({ host: '[::ffff:127.0.0.1]', port: 8080 }), undefined);
    assert.match(policy.nameProblem({ host: '127.0.0.2', port: 8080 }) ?? '', /restricted/);
    assert.equal(policy.nameProblem({ host: 'nexus.tools.svc.', port: 443 }), undefined);
    assert.equal(
      policy.addressProblem({ host: 'nexus.tools.svc', port: 443, address: '172.20.0.9' }),
      undefined,
    );
    assert.match(
      policy.addressProblem({ host: 'evil.example.com', port: 443, address: '172.20.0.9' }) ?? '',
      /'evil.example.com' resolves to the restricted address 172.20.0.9/,
    );
    assert.equal(policy.addressProblem({ host: 'x.example.com', port: 1, address: '10.9.9.9' }), undefined);
    assert.equal(policy.nameProblem({ host: '[::1]', port: 9000 }), undefined);
    assert.match(policy.nameProblem({ host: 'localhost', port: 8080 }) ?? '', /restricted/);
    assert.equal(new HostPolicy(false).nameProblem({ host: '127.0.0.1', port: 1 }), undefined);
  });

  test('validation refuses every spelling of a restricted jarURI host', () => {
    for (const uri of [
      'https://[::ffff:127.0.0.1]/x.jar',
      'https://[::ffff:169.254.169.254]/x.jar',
      'https://[::127.0.0.1]/x.jar',
      'https://2130706433/x.jar',
      'https://0x7f.1/x.jar',
      'https://kubernetes.default.svc/x.jar',
      'https://metadata.google.internal/x.jar',
      'https://localhost./x.jar',
    ]) {
      assert.match(jarUriProblem(uri) ?? '', /resolves to a restricted address/, uri);
    }
    assert.equal(jarUriProblem('https://repo1.maven.org/x.jar'), undefined);
    assert.equal(
      jarUriProblem('https://127.0.0.1:8443/x.jar', { jarUriAllowedRestrictedHosts: ['127.0.0.1:8443'] }),
      undefined,
    );
    assert.equal(
      jarUriProblem('https://127.0.0.1/x.jar', { jarUriDisallowRestrictedHosts: false }),
      undefined,
    );
  });
});
