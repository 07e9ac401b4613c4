import { createOperator } from '../operator.ts';

export interface RunOptions {
  config?: string;
  kubeconfig?: string;
}

/** `flink-operator run`: the operator in the foreground until SIGTERM or SIGINT. */
export async function runOperator(opts: RunOptions): Promise<number> {
  const manager = createOperator({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.config ? { configSource: { configFile: opts.config } } : {}),
  });
  manager.installSignalHandlers();
  await manager.start();
  try {
    await manager.done;
    return 0;
  } catch (err) {
    manager.log.fatal({ err }, 'operator stopped on a fatal error');
    return 1;
  }
}
