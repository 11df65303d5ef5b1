/**
 * The machine a run is made on: what it is, and how much of its processor
 * time went to processes other than the benchmark's own while it ran, since
 * anything else running makes every figure worse.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Processor time, in clock ticks, as /proc counts it. */
export interface CpuSnapshot {
  /** Busy time of all processors together. */
  busy: number;
  /** This process's own time and that of the children it has reaped. */
  own: number;
}

/** Returns the machine's busy time and this process tree's, so far. */
export function cpuSnapshot(): CpuSnapshot {
  // cpu  user nice system idle iowait irq softirq steal ...
  const total = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = total.slice(1).map(Number);

  // Fields after the command name: utime, stime, cutime, cstime are 12-15.
  const self = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
  const [utime, stime, cutime, cstime] = fields.slice(11, 15);

  return {
    busy: user + nice + system + irq + softirq + (steal || 0),
    own: utime + stime + cutime + cstime,
  };
}

/**
 * Returns the share of the machine's processor time that went to other
 * processes between two snapshots, taken once every child was reaped.
 */
export function othersShare(
  start: CpuSnapshot,
  end: CpuSnapshot,
  seconds: number
): number {
  const ticksPerSecond = 100;
  const capacity = seconds * ticksPerSecond * os.availableParallelism();
  const others = end.busy - start.busy - (end.own - start.own);
  return Math.max(0, others) / capacity;
}

/** Returns the machine the run was made on, in one line. */
export function describeMachine(emulatorVersion: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return (
    `${os.availableParallelism()} × ${cpu}, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ` +
    `${os.type()} ${os.release()}, Node ${process.version}, ` +
    `Pub/Sub emulator ${emulatorVersion}`
  );
}
