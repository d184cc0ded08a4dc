/**
 * --timeout as the flows see it: the limit of the whole command and when it runs out.
 */
export interface Deadline {
  /** --timeout: bounds the whole command, every request in it included; 0 = no limit. */
  timeoutMs: number;
  /** When --timeout runs out (epoch ms; Infinity without a limit), counted from the start of the process. */
  deadline: number;
}

/** What is left of --timeout now (Infinity without a limit, never below 1 ms). */
export function remainingMs(g: Pick<Deadline, 'deadline'>, now = Date.now()): number {
  return g.deadline === Infinity ? Infinity : Math.max(1, g.deadline - now);
}
