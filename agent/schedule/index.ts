/** Cron capacity floors and maintenance windows from the VnfCluster spec. */
export type { OpenWindow, ScheduleEvent, ScheduleProblem, ScheduleState, ScheduleWindows, Scheduler, WindowKind } from './scheduler.js';
export { CronScheduler, type CronSchedulerDeps } from './cron-scheduler.js';
export { CronSpecError, cronProblem, nodeCronEngine, type CompiledCron, type CronEngine } from './cron.js';
export { windowAt, type CronPattern, type WindowState } from './window.js';
