import { readFileSync } from 'node:fs';

/** Peak resident memory of one process over a sampling window, in MB (10^6 bytes). */
export interface MemoryPeak {
  /** Largest VmRSS seen by the sampler. */
  sampledMaxMB: number;
  /** VmHWM at the last sample: the kernel's own peak RSS since the process started. */
  highWaterMB: number;
  samples: number;
}

const KIB_TO_MB = 1024 / 1e6;

function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    // The process has exited.
    return undefined;
  }
}

/**
 * Samples VmRSS and VmHWM of child processes from /proc/<pid>/status every
 * `intervalMs` until stopped. Linux only. A process started for one phase
 * has a VmHWM that covers exactly its own lifetime.
 */
export class MemorySampler {
  private readonly peaks = new Map<string, { pid: number; rssKiB: number; hwmKiB: number; samples: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(processes: { name: string; pid: number }[], intervalMs = 200) {
    for (const { name, pid } of processes) this.peaks.set(name, { pid, rssKiB: 0, hwmKiB: 0, samples: 0 });
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    for (const peak of this.peaks.values()) {
      const rss = readStatusKiB(peak.pid, 'VmRSS');
      const hwm = readStatusKiB(peak.pid, 'VmHWM');
      if (rss === undefined || hwm === undefined) continue;
      peak.rssKiB = Math.max(peak.rssKiB, rss);
      peak.hwmKiB = Math.max(peak.hwmKiB, hwm);
      peak.samples += 1;
    }
  }

  /** Takes a last sample, stops and returns the peaks by process name. */
  stop(): Record<string, MemoryPeak> {
    this.sample();
    clearInterval(this.timer);
    const result: Record<string, MemoryPeak> = {};
    for (const [name, peak] of this.peaks) {
      result[name] = { sampledMaxMB: peak.rssKiB * KIB_TO_MB, highWaterMB: peak.hwmKiB * KIB_TO_MB, samples: peak.samples };
    }
    return result;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ), 100 on x86-64 and arm64 Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Returns the CPU time (user + system) a process has used so far, in milliseconds, or undefined once it has exited. */
export function cpuMilliseconds(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces; utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
