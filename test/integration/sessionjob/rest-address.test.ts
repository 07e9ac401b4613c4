/**
 * pod-ip REST address resolution against the real API server: a REST Service and a pod that the
 * test cluster's node agent runs on a loopback address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REST_ADDRESS_RESOLUTION, restAddressResolver } from '../../../src/flink/rest/address.ts';
import { KubeClient, OperatorConfig, WellKnown } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

describe('REST address resolution in pod-ip mode', { timeout: 180_000 }, () => {
  const kc = testKubeConfig();
  const client = new KubeClient(kc);
  let ns: { name: string; remove: () => Promise<void> };
  const config = new OperatorConfig({ [REST_ADDRESS_RESOLUTION.key]: 'pod-ip' });
  const resolve = restAddressResolver(client, () => config);

  before(async () => {
    ns = await createTestNamespace(kc, 'restaddr');
  });
  after(async () => ns.remove());

  test('resolves to the Ready JobManager pod behind the REST Service, with its named port', async () => {
    const labels = { app: 'session', component: 'jobmanager' };
    await assert.rejects(
      resolve({ namespace: ns.name, name: 'session' }),
      /Service .*session-rest not found/,
    );
    await client.create(WellKnown.services, {
      metadata: { name: 'session-rest', namespace: ns.name },
      spec: { selector: labels, ports: [{ name: 'rest', port: 8081, targetPort: 'rest' }] },
    } as never);
    await assert.rejects(resolve({ namespace: ns.name, name: 'session' }), /no Ready pod behind Service/);
    await client.create(WellKnown.pods, {
      metadata: { name: 'session-jm', namespace: ns.name, labels },
      spec: {
        containers: [
          {
            name: 'flink-main-container',
            image: 'busybox',
            command: ['sleep', '3600'],
            ports: [{ name: 'rest', containerPort: 8081 }],
          },
        ],
      },
    } as never);
    const pod = await eventually(
      async () => {
        const p = await client.get<{
          metadata: object;
          status?: { podIP?: string; conditions?: { type: string; status: string }[] };
        }>(WellKnown.pods, ns.name, 'session-jm');
        return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
      },
      { timeoutMs: 120_000, what: 'the pod Ready' },
    );
    const ip = pod.status?.podIP ?? '';
    assert.match(ip, /^127\./);
    assert.equal(await resolve({ namespace: ns.name, name: 'session' }), `http://${ip}:8081`);
    // service-dns mode needs no API calls at all.
    const dns = restAddressResolver(client, () => new OperatorConfig());
    assert.equal(await dns({ namespace: ns.name, name: 'session' }), `http://session-rest.${ns.name}:8081`);
  });
});
