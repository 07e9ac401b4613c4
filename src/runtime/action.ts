/** What a reconcile asks for next. */
export type Action =
  /** Run again after the given delay. */
  | { kind: 'requeue'; afterMs: number }
  /** Run again after `kubernetes.operator.reconcile.interval` (the usual outcome). */
  | { kind: 'reschedule' }
  /** Run again only when the object (or something it owns) changes. */
  | { kind: 'await' };

export const Action = {
  requeueAfter: (ms: number): Action => ({ kind: 'requeue', afterMs: ms }),
  reschedule: (): Action => ({ kind: 'reschedule' }),
  awaitChange: (): Action => ({ kind: 'await' }),
};
