/** The weave script in the weave container, and the `kubectl exec` of it that hints show. Pure. */
import { WEAVE_CONTAINER } from '../weave/names.js';

export const WEAVE_SCRIPT = '/home/weave/weave';

/** `kubectl exec` of a weave command in a pod, as hints show it. */
export function weaveExecCommand(namespace: string, pod: string, args: string): string {
  return `kubectl exec -n ${namespace} ${pod} -c ${WEAVE_CONTAINER} -- ${WEAVE_SCRIPT} --local ${args}`;
}
