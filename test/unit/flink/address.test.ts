import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  REST_ADDRESS_RESOLUTION,
  podIpAddress,
  serviceDnsAddress,
  type PodObject,
  type ServiceObject,
} from '../../../src/flink/rest/address.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';

const service = (targetPort: number | string | undefined, name = 'rest'): ServiceObject => ({
  metadata: { name: 'session-rest', namespace: 'ns' },
  spec: { selector: { app: 'session', component: 'jobmanager' }, ports: [{ name, port: 8081, targetPort }] },
});

const pod = (
  name: string,
  ip: string | undefined,
  ready: boolean,
  extra: Partial<PodObject['metadata']> = {},
): PodObject => ({
  metadata: { name, ...extra },
  spec: { containers: [{ name: 'flink-main-container', ports: [{ name: 'rest', containerPort: 18081 }] }] },
  status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('REST address resolution', () => {
  test('service DNS name with the cluster port', () => {
    assert.equal(serviceDnsAddress({ namespace: 'ns', name: 'basic' }), 'http://basic-rest.ns:8081');
    assert.equal(
      serviceDnsAddress({ namespace: 'ns', name: 'basic', port: 9000 }),
      'http://basic-rest.ns:9000',
    );
  });

  test('mode option defaults to service-dns and rejects unknown modes', () => {
    assert.equal(new OperatorConfig().get(REST_ADDRESS_RESOLUTION), 'service-dns');
    assert.equal(
      new OperatorConfig({ [REST_ADDRESS_RESOLUTION.key]: 'POD-IP' }).get(REST_ADDRESS_RESOLUTION),
      'pod-ip',
    );
    assert.throws(() =>
      new OperatorConfig({ [REST_ADDRESS_RESOLUTION.key]: 'dns' }).get(REST_ADDRESS_RESOLUTION),
    );
  });

  test('first Ready pod by name, numeric, named or absent target port', () => {
    const pods = [pod('b', '127.0.1.2', true), pod('a', '127.0.1.1', false), pod('c', '127.0.1.3', true)];
    assert.equal(podIpAddress(service(8081), pods), 'http://127.0.1.2:8081');
    assert.equal(podIpAddress(service('rest'), pods), 'http://127.0.1.2:18081');
    assert.equal(podIpAddress(service('9091'), pods), 'http://127.0.1.2:9091');
    assert.equal(podIpAddress(service(undefined), pods), 'http://127.0.1.2:8081');
  });

  test('terminating pods and pods without an IP do not count', () => {
    const pods = [
      pod('a', '127.0.1.1', true, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      pod('b', undefined, true),
    ];
    assert.throws(() => podIpAddress(service(8081), pods), /no Ready pod behind Service ns\/session-rest/);
  });

  test('a service without a rest port is reported', () => {
    const two: ServiceObject = {
      ...service(1),
      spec: {
        ports: [
          { name: 'a', port: 1 },
          { name: 'b', port: 2 },
        ],
      },
    };
    assert.throws(() => podIpAddress(two, [pod('a', '127.0.0.9', true)]), /no port named rest/);
    assert.equal(podIpAddress(service(8081, 'http'), [pod('a', '127.0.0.9', true)]), 'http://127.0.0.9:8081');
  });
});
