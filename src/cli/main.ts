import { parseArgs } from 'node:util';
import { DevClusterError } from '../devcluster/errors.ts';
import { KubeConfigError } from '../runtime/kube/kubeconfig.ts';
import { planCommand } from './plan-command.ts';
import { runOperator } from './run.ts';

const USAGE = `Usage: flink-operator <command>

Commands:
  run [--config FILE] [--kubeconfig FILE] [--webhook] [--bind-address IP]
                                        run the operator (config: FILE, else $FLINK_CONF_DIR/config.yaml);
                                        --webhook also serves the admission webhook
  plan -f FILE [--current FILE] [--config FILE]
                                        without a cluster: validate a manifest, print the objects the
                                        operator would create and, given the deployed resource (or
                                        the previous manifest), the upgrade path a change takes
  crds check [--kubeconfig FILE]       compare the installed CRDs with this release's (exit 1 if any
                                        is missing or another definition, e.g. the Apache operator's)
  crds apply [--kubeconfig FILE]       install or replace the CRDs with this release's; resources
                                        stored under the old ones are kept
  embedded                             the embedded default: local cluster, operator and an
                                        example job running on real Flink
  local up [--dir DIR] [--port PORT]   start the local control plane (etcd, kube-apiserver,
                                        kube-controller-manager) on loopback, building it once
  local down [--dir DIR]               stop exactly the processes \`local up\` started
  local status [--dir DIR]             show the components, their pids and logs
  local kubeconfig [--dir DIR] [--print]
                                        print the kubeconfig path (or its content)
  local build                          build and cache the control plane binaries only
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      port: { type: 'string' },
      print: { type: 'boolean', default: false },
      config: { type: 'string' },
      kubeconfig: { type: 'string' },
      webhook: { type: 'boolean', default: false },
      'bind-address': { type: 'string' },
      file: { type: 'string', short: 'f' },
      current: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 1;
  }
  if (command === 'run') {
    return runOperator({
      ...(values.config ? { config: values.config } : {}),
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      webhook: values.webhook ?? false,
      ...(values['bind-address'] ? { bindAddress: values['bind-address'] } : {}),
    });
  }
  if (command === 'plan') {
    if (!values.file) {
      console.error(`plan needs -f FILE\n\n${USAGE}`);
      return 2;
    }
    return planCommand({
      file: values.file,
      ...(values.current ? { current: values.current } : {}),
      ...(values.config ? { config: values.config } : {}),
    });
  }
  if (command === 'crds' && (sub === 'check' || sub === 'apply')) {
    const { crdsApply, crdsCheck } = await import('./crds.ts');
    const opts = values.kubeconfig ? { kubeconfig: values.kubeconfig } : {};
    return sub === 'check' ? crdsCheck(opts) : crdsApply(opts);
  }
  // The local cluster commands load @kubernetes/client-node and the dev cluster; `run` needs neither.
  if (command === 'embedded') {
    const { embedded } = await import('./embedded.ts');
    const { DEFAULT_LOCAL_PORTS, defaultLocalDir } = await import('./local.ts');
    return embedded({ dir: values.dir ?? defaultLocalDir(), apiserverPort: DEFAULT_LOCAL_PORTS.apiserver });
  }
  if (command === 'local') {
    const {
      DEFAULT_LOCAL_PORTS,
      defaultLocalDir,
      localBuild,
      localDown,
      localKubeconfig,
      localStatus,
      localUp,
    } = await import('./local.ts');
    const opts = {
      dir: values.dir ?? defaultLocalDir(),
      apiserverPort: values.port ? Number(values.port) : DEFAULT_LOCAL_PORTS.apiserver,
    };
    switch (sub) {
      case 'up':
        await localUp(opts);
        return 0;
      case 'down':
        await localDown(opts);
        return 0;
      case 'status':
        return localStatus(opts);
      case 'kubeconfig':
        return localKubeconfig(opts, values.print ?? false);
      case 'build':
        await localBuild();
        return 0;
    }
  }
  console.error(`unknown command: ${[command, sub].filter(Boolean).join(' ')}\n\n${USAGE}`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof DevClusterError || err instanceof KubeConfigError) {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
}
