/** The recorded Flink REST answers (`bench/fixtures/*.json`, written by `record-fixtures.ts`). */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RecordedResponse {
  status: number;
  body: unknown;
}

export interface Recording {
  flinkVersion: string;
  recordedAt: string;
  source: string;
  /** The recorded jobs' IDs, which the simulator replaces with each cluster's own. */
  jobIds: { running: string; canceled: string };
  triggerId: string;
  responses: Record<string, RecordedResponse>;
}

export function loadRecording(file = 'flink-2.2-rest.json'): Recording {
  const url = new URL(`./fixtures/${file}`, import.meta.url);
  return JSON.parse(fs.readFileSync(fileURLToPath(url), 'utf8')) as Recording;
}
