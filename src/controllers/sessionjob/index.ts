/** FlinkSessionJob: the controller and what it is made of. */
export {
  createSessionJobController,
  SESSION_JOB_FINALIZER,
  FLINK_SESSION_JOBS,
  type SessionJobControllerOptions,
} from './controller.ts';
export { JobOptions, SnapshotOptions, resourceConfig } from '../common/options.ts';
