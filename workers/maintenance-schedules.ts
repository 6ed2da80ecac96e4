import type { Queue } from 'bullmq';
import type { Logger } from '../src/logger.js';

export interface MaintenanceSchedule {
  /** Job scheduler id, also the name of the jobs it adds. */
  name: string;
  everyMs: number;
}

/**
 * Adds the job schedulers of the maintenance queue, then checks every
 * `checkEveryMs` that they still exist and adds back any that do not. The
 * schedulers live in Redis, so a Redis that restarts without persistence
 * loses them, and without this check no sweep would run again until a worker restarts.
 */
export async function scheduleMaintenance(queue: Queue, schedules: readonly MaintenanceSchedule[], checkEveryMs: number, logger: Logger): Promise<{ stop(): void }> {
  const upsert = (schedule: MaintenanceSchedule) => queue.upsertJobScheduler(schedule.name, { every: schedule.everyMs }, { name: schedule.name });
  for (const schedule of schedules) await upsert(schedule);

  let checking = false;
  const addMissing = async () => {
    for (const schedule of schedules) {
      if ((await queue.getJobScheduler(schedule.name)) !== undefined) continue;
      await upsert(schedule);
      logger.warn('job scheduler was missing from Redis; added it again', { queue: queue.name, scheduler: schedule.name });
    }
  };
  const timer = setInterval(() => {
    // While Redis is down the check waits for it, so a check never starts before the previous one ends.
    if (checking) return;
    checking = true;
    addMissing()
      .catch((error: unknown) => logger.warn('could not check job schedulers', { queue: queue.name, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        checking = false;
      });
  }, checkEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
