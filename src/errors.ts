/**
 * The one error type of weavectl. The core throws it; main.ts catches it once and
 * prints one line (plus the hint), with the stack only under --verbose.
 *
 * Exit codes as kubectl's: 2 = the command line was wrong,
 * 1 = the operation failed.
 */
import { oneLine } from './util/text.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class WeavectlError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WeavectlError';
    this.exitCode = opts.exitCode ?? EXIT_FAILURE;
    this.hint = opts.hint;
  }
}

/** A bad flag value, version, CIDR...: exit 2. */
export function usageError(message: string, hint?: string): WeavectlError {
  return new WeavectlError(message, { exitCode: EXIT_USAGE, hint });
}

/** The operation failed (network, cluster, rollout, untrusted manifest): exit 1. */
export function failure(message: string, hint?: string, cause?: unknown): WeavectlError {
  return new WeavectlError(message, { exitCode: EXIT_FAILURE, hint, cause });
}

/**
 * The text of anything thrown, on one line: an Error's message, a Kubernetes Status's `message`
 * (a watch's ERROR event carries one as a plain object), or the value itself; runs of whitespace
 * (the server's multi-line messages) become one space.
 */
export function errorText(err: unknown): string {
  const text =
    err instanceof Error
      ? err.message
      : err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string'
        ? (err as { message: string }).message
        : String(err);
  return oneLine(text, Infinity);
}
