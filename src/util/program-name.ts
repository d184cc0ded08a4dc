/**
 * The name the program was invoked as: `weavectl`, or `kubectl weave` when kubectl runs it as the
 * plugin `kubectl-weave` (kubectl finds `kubectl-weave` on PATH and executes it with the rest of the
 * command line). Help, usage lines, errors and hints name the program as the user typed it.
 */
import { basename } from 'node:path';

let name = 'weavectl';

/** `kubectl weave` for an executable or script named kubectl-weave (kubectl-weave.js, kubectl-weave.exe), else `weavectl`. */
export function nameFromPath(path: string | undefined): string {
  return path !== undefined && /^kubectl-weave(\.[a-z]+)?$/i.test(basename(path)) ? 'kubectl weave' : 'weavectl';
}

/**
 * kubectl's plugin completion (kubectl 1.26+): `kubectl weave <TAB>` runs `kubectl_complete-weave ARGS...`
 * and reads cobra's format (candidates, then ":DIRECTIVE"). A link of that name to weavectl answers it.
 */
export function isKubectlCompletion(path: string | undefined): boolean {
  return path !== undefined && /^kubectl_complete-weave(\.[a-z]+)?$/i.test(basename(path));
}

/** Set once at start from how the process was started (the script path, or the executable's own path for the single binary). */
export function setProgramName(n: string): void {
  name = n;
}

export function programName(): string {
  return name;
}

/** A message or help text with `weavectl <word>` as invoked: `kubectl weave install ...`. */
export function asInvoked(text: string): string {
  return name === 'weavectl' ? text : text.replace(/\bweavectl(?=[ "'`]|$)/gm, name);
}
