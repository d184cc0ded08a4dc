/**
 * The command each connectivity test runs in a probe pod, and what its answer means. Pure.
 *
 * The probe image is nicolaka/netshoot (Alpine): busybox `wget` (exits 1 with "download timed
 * out" or "can't connect to remote host (IP): Connection refused"), iputils `ping` (`-M do`
 * sets don't-fragment; "local error: message too long, mtu=N" when the packet exceeds the
 * interface, "100% packet loss" when it vanishes on the way) and bind-tools `nslookup`.
 */
import type { TestName } from './plan.js';

export type TestResult = 'ok' | 'warning' | 'error' | 'skipped';

export interface TestOutcome {
  name: TestName;
  from: string;
  to: string;
  result: TestResult;
  message?: string;
}

/** The echo pods' port, and the Service's. */
export const ECHO_PORT = 8080;
export const SERVICE_PORT = 80;
/** Each probe command's own limit, seconds (the exec's limit is a little longer). */
export const PROBE_TIMEOUT_S = 3;

/** IPv4 (20) + ICMP (8) headers: `ping -s` gives the payload, the MTU bounds the whole packet. */
export const ICMP_OVERHEAD = 28;

export function fetchCommand(ip: string, port: number): string[] {
  return ['wget', '-q', '-T', String(PROBE_TIMEOUT_S), '-O', '/dev/null', `http://${ip}:${port}/`];
}

export function dfPingCommand(ip: string, mtu: number): string[] {
  return ['ping', '-c', '1', '-W', String(PROBE_TIMEOUT_S), '-M', 'do', '-s', String(mtu - ICMP_OVERHEAD), ip];
}

export function dnsCommand(name: string): string[] {
  return ['nslookup', name];
}

/** What an exec answered, or why it could not run. */
export type ExecAnswer = { stdout: string; stderr: string; exitCode: number } | { error: string };

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

function why(a: { stdout: string; stderr: string; exitCode: number }): string {
  return lastLine(a.stderr) || lastLine(a.stdout) || `exit code ${a.exitCode}`;
}

/** An HTTP fetch (pod-to-pod, host-to-pod, pod-to-service). */
export function evaluateFetch(a: ExecAnswer, what: string): { result: TestResult; message?: string } {
  if ('error' in a) return { result: 'error', message: `could not run the probe: ${a.error}` };
  if (a.exitCode === 0) return { result: 'ok' };
  const text = why(a);
  if (/timed out/i.test(text)) return { result: 'error', message: `${what}: no answer within ${PROBE_TIMEOUT_S}s (packets dropped: a network partition, a firewall, or a NetworkPolicy)` };
  if (/refused/i.test(text)) return { result: 'error', message: `${what}: connection refused (${text})` };
  return { result: 'error', message: `${what}: ${text}` };
}

export function plainPingCommand(ip: string): string[] {
  return ['ping', '-c', '1', '-W', String(PROBE_TIMEOUT_S), ip];
}

/**
 * The don't-fragment ping of `mtu` bytes; `plain` is the answer to an ordinary small ping, sent only
 * when the big one got lost: when that is lost too, the nodes do not reach each other at all and the
 * MTU is not what is wrong.
 */
export function evaluateDfPing(a: ExecAnswer, mtu: number, from: string, to: string, plain?: ExecAnswer): { result: TestResult; message?: string } {
  if ('error' in a) return { result: 'error', message: `could not run the probe: ${a.error}` };
  if (a.exitCode === 0) return { result: 'ok' };
  const local = /message too long, mtu=(\d+)/.exec(`${a.stderr}\n${a.stdout}`);
  if (local) {
    return { result: 'error', message: `a ${mtu}-byte packet does not fit the pod's interface (mtu ${local[1]}): the pod network's MTU is not the WEAVE_MTU Weave Net runs with` };
  }
  if (plain && ('error' in plain || plain.exitCode !== 0)) {
    return { result: 'error', message: `no answer to a ${mtu}-byte ping, nor to a small one: ${from} does not reach ${to} at all (not an MTU problem)` };
  }
  return {
    result: 'error',
    message: `a ${mtu}-byte don't-fragment packet from ${from} to ${to} vanished: the path between the nodes carries less than WEAVE_MTU (an MTU black hole); lower it with weavectl install --mtu, or let the underlay carry ${mtu} bytes plus the overlay's overhead`,
  };
}

/** nslookup of the echo Service: must resolve to its ClusterIP. */
export function evaluateDns(a: ExecAnswer, name: string, clusterIP: string): { result: TestResult; message?: string } {
  if ('error' in a) return { result: 'error', message: `could not run the probe: ${a.error}` };
  const answered = [...`${a.stdout}`.matchAll(/^Address:\s*([0-9.]+)\s*$/gm)].map((m) => m[1]);
  if (a.exitCode === 0 && answered.includes(clusterIP)) return { result: 'ok' };
  if (a.exitCode === 0) return { result: 'error', message: `${name} resolved to ${answered.join(', ') || 'nothing'}, not the Service's ${clusterIP}` };
  return { result: 'error', message: `cannot resolve ${name}: ${why(a)}` };
}

/** The deny half of the policy test: the fetch must fail now. */
export function evaluateDenied(a: ExecAnswer): { result: TestResult; message?: string } {
  if ('error' in a) return { result: 'error', message: `could not run the probe: ${a.error}` };
  if (a.exitCode === 0) return { result: 'error', message: 'the client still reached the echo pod with a policy isolating it: NetworkPolicy is not enforced' };
  if (/refused/i.test(why(a))) return { result: 'error', message: `expected the isolating policy to drop the connection, but it was refused (${why(a)})` };
  return { result: 'ok' };
}

/** Whether any outcome failed. */
export function succeeded(outcomes: readonly TestOutcome[]): boolean {
  return !outcomes.some((o) => o.result === 'error');
}
