/**
 * What one TaskManager of a cluster takes, read from the cluster's effective Flink configuration,
 * where the operator has already turned `spec.taskManager.resource(s)` into Flink keys.
 */
import { KEYS } from '../flink/config/keys.ts';
import { parseResourceMemory } from '../flink/config/memory.ts';
import type { TaskManagerResources } from './decide.ts';

/**
 * CPU from `kubernetes.taskmanager.cpu.amount` (Flink gives a TaskManager one CPU per slot when it
 * is unset or not positive); memory from `taskmanager.memory.process.size`, 0 when the process size
 * is not configured (then the memory quota cannot be exceeded); slots from
 * `taskmanager.numberOfTaskSlots`.
 */
export function taskManagerResources(config: Readonly<Record<string, string>>): TaskManagerResources {
  const slots = positive(config[KEYS.slots]) ?? 1;
  const cpu = positive(config[KEYS.taskManagerCpu] ?? config[KEYS.legacyTaskManagerCpu]) ?? slots;
  const memory = config[KEYS.taskManagerProcessMemory];
  return { cpu, memoryBytes: memory !== undefined ? parseResourceMemory(memory) : 0, slots };
}

function positive(text: string | undefined): number | undefined {
  const value = Number(text?.trim());
  return text !== undefined && text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
}
