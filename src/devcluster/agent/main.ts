/**
 * The node agent as its own process: `node --import tsx src/devcluster/agent/main.ts
 * --kubeconfig FILE --dir DIR --node NAME --ca FILE`. Started by the local control plane.
 */
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { NodeAgent } from './agent.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    dir: { type: 'string' },
    node: { type: 'string', default: 'local-node' },
    ca: { type: 'string' },
    'pod-address-prefix': { type: 'string' },
  },
});
if (!values.kubeconfig || !values.dir || !values.ca) {
  console.error(
    'usage: agent --kubeconfig FILE --dir DIR --ca FILE [--node NAME] [--pod-address-prefix 127.N]',
  );
  process.exit(2);
}
const kubeConfig = new k8s.KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig);
const server = new URL(kubeConfig.getCurrentCluster()?.server ?? 'https://127.0.0.1:6443');
const agent = new NodeAgent({
  kubeConfig,
  nodeName: values.node ?? 'local-node',
  dataDir: values.dir,
  apiServer: { host: server.hostname, port: Number(server.port || 443), caFile: values.ca },
  podAddressPrefix: values['pod-address-prefix'],
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    void agent.stop().finally(() => process.exit(0));
  });
}
await agent.start();
console.log(`${new Date().toISOString()} node agent ready as node ${values.node}`);
