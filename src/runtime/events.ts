import type { Logger } from 'pino';
import { isConflict, isForbidden, isNotFound } from './errors.ts';
import { redactText } from './redact.ts';
import type { KubeClient } from './kube/client.ts';
import { WellKnown, type KubeObject, type ObjectMeta } from './kube/types.ts';

export type EventType = 'Normal' | 'Warning';

/** Which part of the operator speaks (core/v1 Event `source.component`), as upstream names them. */
export type EventComponent = 'Operator' | 'JobManagerDeployment' | 'Job' | 'Snapshot';

export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
  component?: EventComponent;
  /** Identity for aggregation when the message varies but means the same thing. */
  messageKey?: string;
}

export interface CoreEvent extends KubeObject {
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  type: EventType;
  reason: string;
  message: string;
  source: { component: string };
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

/** Java's String.hashCode, so event names match those an existing installation already has. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The deterministic Event name for (object, type, reason, message): repeats of one event map
 * to one Event object, which is what makes aggregation by count possible.
 */
export function eventName(target: KubeObject, input: EventInput): string {
  const { metadata } = target;
  const identity = `${input.reason}${input.messageKey ?? input.message}${input.type}${target.kind}${metadata.name}${metadata.uid}`;
  return `${input.component ?? 'Operator'}.${javaStringHash(identity) & 0x7fffffff}`;
}

/** A new Event for a first occurrence. */
export function newEvent(target: KubeObject, input: EventInput, now: Date): CoreEvent {
  const meta: ObjectMeta = target.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(target, input), namespace: meta.namespace },
    involvedObject: {
      apiVersion: target.apiVersion,
      kind: target.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
    },
    type: input.type,
    reason: input.reason,
    message: input.message,
    source: { component: input.component ?? 'Operator' },
    count: 1,
    firstTimestamp: now.toISOString(),
    lastTimestamp: now.toISOString(),
  };
}

/** The patch that records one more occurrence on an existing Event. */
export function repeatPatch(existing: CoreEvent, input: EventInput, now: Date) {
  return {
    metadata: { resourceVersion: existing.metadata.resourceVersion },
    count: (existing.count ?? 1) + 1,
    lastTimestamp: now.toISOString(),
    message: input.message,
  };
}

/** Records Events on objects, aggregating repeats into one Event with a growing count. */
export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly log?: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Never throws: an Event that cannot be written is logged, not allowed to fail a reconcile. */
  async record(target: KubeObject, input: EventInput, signal?: AbortSignal): Promise<void> {
    try {
      // Events are readable by anyone who may list them: no credentials of a URI in their text.
      await this.write(target, { ...input, message: redactText(input.message) }, signal);
    } catch (err) {
      const level = isForbidden(err) ? 'warn' : 'error';
      this.log?.[level]({ err, reason: input.reason }, 'cannot record event');
    }
  }

  private async write(target: KubeObject, input: EventInput, signal?: AbortSignal): Promise<void> {
    const namespace = target.metadata.namespace ?? 'default';
    const name = eventName(target, input);
    for (let attempt = 0; attempt < 5; attempt++) {
      let existing: CoreEvent | undefined;
      try {
        existing = await this.client.get<CoreEvent>(WellKnown.events, namespace, name, signal);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      try {
        if (existing) {
          await this.client.patch(
            WellKnown.events,
            namespace,
            name,
            repeatPatch(existing, input, this.now()),
            {
              signal,
            },
          );
        } else {
          const event = newEvent(target, input, this.now());
          await this.client.create(
            WellKnown.events,
            { ...event, metadata: { ...event.metadata, namespace } },
            signal,
          );
        }
        return;
      } catch (err) {
        // Someone created or bumped it between our read and write: read again and count on top.
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }
}
