/** Distributed batches through a BullMQ queue: the coordinator, the worker, and their shapes. */
export { COORDINATOR_DEFAULTS, runDistributedBatch } from './coordinator.js';
export { type BatchJobData, type BatchJobResult, DEFAULT_QUEUE_NAME } from './jobs.js';
export type { RedisHealthChange } from './redis.js';
export type {
  BatchWorkerOptions,
  DistributedBatchEvent,
  DistributedBatchOptions,
  DistributedBatchSummary,
  QueueLocation,
  WorkerEvent,
  WorkerReport,
  WorkerTuning,
} from './types.js';
export { type BatchWorker, startBatchWorker, WORKER_DEFAULTS } from './worker.js';
