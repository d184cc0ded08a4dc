/**
 * `weavectl policy isolate|allow|list|explain`: NetworkPolicies for people who think in "isolate
 * this namespace, allow that pod, why is this connection denied". The flags live here; each verb's
 * printing is in its own policy-<verb>.ts (loaded when the verb runs), its flow in src/policy/.
 */
import { Option, type Command } from 'commander';
import { globalsOf, parseNamespace } from './global.js';
import { optBool, optList, optString, type OptionValues } from './option-values.js';
import type { AllowFlags } from './policy-allow.js';
import type { ExplainFlags } from './policy-explain.js';

/** Only the options that were given. */
function given<T extends object>(o: { [K in keyof T]: T[K] | undefined }): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `policy allow`'s flags as typed options. */
export function allowOptionsOf(o: OptionValues): AllowFlags {
  const to = optString(o, 'to');
  if (to === undefined) throw new TypeError('option to: required'); // a requiredOption: commander refuses its absence first
  return {
    to,
    except: optList(o, 'except') ?? [],
    port: optList(o, 'port') ?? [],
    ...given<Omit<AllowFlags, 'to' | 'except' | 'port'>>({
      from: optString(o, 'from'),
      fromNamespace: optString(o, 'fromNamespace'),
      fromNamespaceName: optString(o, 'fromNamespaceName'),
      fromCidr: optString(o, 'fromCidr'),
      name: optString(o, 'name'),
      k8sVersion: optString(o, 'k8sVersion'),
      weaveVersion: optString(o, 'weaveVersion'),
      forceConflicts: optBool(o, 'forceConflicts'),
    }),
  };
}

/** `policy explain`'s flags as typed options. */
export function explainOptionsOf(o: OptionValues): ExplainFlags {
  return given<ExplainFlags>({
    from: optString(o, 'from'),
    to: optString(o, 'to'),
    port: optString(o, 'port'),
    matrix: optBool(o, 'matrix'),
    allNamespaces: optBool(o, 'allNamespaces'),
    ascii: optBool(o, 'ascii'),
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('Isolate namespaces, allow traffic, list NetworkPolicies and explain why traffic is allowed or denied')
    .addHelpText(
      'after',
      `
Examples:
  # The seed story: isolate prod, see iperf-prod-1's pods denied, allow them, see them allowed
  weavectl policy isolate prod
  weavectl policy explain --from prod/iperf-prod-1-x2kq --to prod/iperf-prod-1-7d9f:5201
  weavectl policy allow -n prod --to run=iperf-prod-1 --from run=iperf-prod-1 --name iperf-prod-1-internal-access
  weavectl policy explain --from prod/iperf-prod-1-x2kq --to prod/iperf-prod-1-7d9f:5201

  # What is there
  weavectl policy list -n prod

  # What weave-npc made of it on a node
  weavectl npc rules`,
    );

  policy
    .command('isolate')
    .description("Isolate a namespace: its pods accept only what a NetworkPolicy allows (a default-deny policy; before Kubernetes 1.7, the namespace's DefaultDeny annotation)")
    .argument('<namespace>', 'the namespace to isolate')
    .option('--undo', 'remove what isolate writes (the default-deny policy, or the annotation)')
    .option('--egress', "isolate egress too: the pods send only what a policy allows (Kubernetes 1.8+; policy default-deny-egress)")
    .option('--k8s-version <version>', 'with --dry-run=client: the Kubernetes version to render for (default: 1.8 and later)')
    .option('--weave-version <version>', "with --dry-run=client: the Weave Net release whose weave-npc decides (2.0.x: the annotation; 2.1+: a policy; with a cluster, the running weave-npc's image decides)")
    .addHelpText(
      'after',
      `
Examples:
  # Isolate namespace prod (Kubernetes 1.7+: networkpolicy default-deny-ingress)
  weavectl policy isolate prod

  # Ingress and egress; then undo both
  weavectl policy isolate prod --egress
  weavectl policy isolate prod --undo --egress

  # Only show what would be written for a Kubernetes 1.6 cluster (the namespace annotation)
  weavectl policy isolate prod --k8s-version 1.6 --dry-run=client -o yaml

  # ... for Weave Net 2.0.5 on Kubernetes 1.7.5 (its weave-npc knows only the annotation)
  weavectl policy isolate prod --k8s-version 1.7.5 --weave-version 2.0.5 --dry-run=client -o yaml

The running weave-npc release decides (read from the weave-net DaemonSet's image, and said): 2.0.x
and 2.1-2.3 with --use-legacy-netpol isolate by the annotation
net.beta.kubernetes.io/network-policy={"ingress":{"isolation":"DefaultDeny"}} (weavectl writes that one
annotation and no other field of the Namespace); 2.1+ otherwise by a default-deny NetworkPolicy. Where
the release cannot enforce anything on the cluster (2.4+ on Kubernetes before 1.7, which serves no
networking.k8s.io/v1), isolate refuses and says why. When the release is unknown, Kubernetes before
1.7 means the annotation. Running isolate twice changes nothing;
--undo removes only what isolate writes and says what still isolates the namespace.`,
    )
    .action(async (namespace: string, opts: OptionValues, command: Command) => {
      const g = globalsOf(command);
      const ns = parseNamespace(namespace);
      const { isolateOptionsOf, runIsolate } = await import('./policy-isolate.js');
      await runIsolate(ns, isolateOptionsOf(opts), g);
    });

  policy
    .command('allow')
    .description('Allow traffic to the pods of a namespace: a NetworkPolicy selecting them, applied server-side')
    .requiredOption('--to <selector>', "the pods that receive, in -n's namespace: a label selector ('run=iperf-prod-1'; '' for all)")
    .option('--from <selector>', 'allow these pods (of -n, or of --from-namespace) to send')
    .option('--from-namespace <selector>', 'allow the pods of namespaces with these labels to send')
    .option('--from-namespace-name <name>', 'allow the pods of this namespace to send (Kubernetes 1.21+)')
    .option('--from-cidr <cidr>', 'allow these addresses to send, e.g. 10.200.0.0/16 (Kubernetes 1.8+)')
    .option('--except <cidr>', 'leave this block out of --from-cidr (repeatable)', collect, [])
    .option('--port <port[/protocol]>', 'only to this port: 5201, 5201/TCP, 53/UDP, http, 5000-5010/TCP (repeatable; default all ports)', collect, [])
    .option('--name <name>', 'the policy name (default: one made from the selectors, e.g. iperf-prod-1-internal-access)')
    .option('--k8s-version <version>', 'with --dry-run=client: the Kubernetes version to render for')
    .option('--weave-version <version>', 'with --dry-run=client: the Weave Net release whose weave-npc decides the semantics')
    .option('--force-conflicts', 'take over fields of the policy that another field manager (kubectl) owns')
    .addHelpText(
      'after',
      `
Examples:
  # The seed's policy: pods run=iperf-prod-1 in prod accept traffic from each other
  weavectl policy allow -n prod --to run=iperf-prod-1 --from run=iperf-prod-1 --name iperf-prod-1-internal-access

  # The same, printed instead of applied (no cluster needed)
  weavectl policy allow -n prod --to run=iperf-prod-1 --from run=iperf-prod-1 --name iperf-prod-1-internal-access --dry-run=client -o yaml

  # ... and described as weave-npc 2.0.5 enforces it (policies only allow; the namespace annotation isolates)
  weavectl policy allow -n prod --to run=iperf-prod-1 --from run=iperf-prod-1 --k8s-version 1.7.5 --weave-version 2.0.5 --dry-run=client

  # Web pods accept port 8080 from the pods app=client of namespaces env=dev
  weavectl policy allow -n prod --to app=web --from app=client --from-namespace env=dev --port 8080/TCP

  # DNS from the office network, except one subnet
  weavectl policy allow -n prod --to k8s-app=kube-dns --from-cidr 10.200.0.0/16 --except 10.200.9.0/24 --port 53/UDP

Without --from, --from-namespace(-name) or --from-cidr, the pods accept traffic from anywhere (on --port).
A policy that selects a pod isolates it: the selected pods then accept only what policies allow.`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      const { runAllow } = await import('./policy-allow.js');
      await runAllow(allowOptionsOf(opts), globalsOf(command));
    });

  policy
    .command('list')
    .description('List NetworkPolicies in plain English: what each selects and allows, and how each namespace is isolated')
    .option('-A, --all-namespaces', 'every namespace')
    .addHelpText(
      'after',
      `
Examples:
  # The policies of prod, and whether prod is isolated
  weavectl policy list -n prod

  # Every namespace, for a script
  weavectl policy list -A -o json

Without -n or -A: the namespace of the kubeconfig context. Under legacy semantics (Kubernetes before 1.7,
or weave-npc --use-legacy-netpol) a namespace is isolated only by its DefaultDeny annotation.`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      const { listOptionsOf, runList } = await import('./policy-list.js');
      await runList(listOptionsOf(opts), globalsOf(command));
    });

  policy
    .command('explain')
    .description('Say whether traffic between two pods (or a pod and an address) is allowed, and by which policies; or the pod-by-pod grid')
    .option('--from <ns/pod|ip>', 'the sender: NAMESPACE/POD, POD (in -n), or an IP address')
    .option('--to <ns/pod[:port[/proto]]>', 'the receiver: NAMESPACE/POD, POD or an IP, with an optional port (5201, 5201/TCP, 53/UDP, http)')
    .option('--port <port[/protocol]>', 'the port to test (instead of :PORT on --to; for --matrix, one port for every pair)')
    .option('--matrix', 'the grid of every pod of -n (or -A) to every other')
    .option('-A, --all-namespaces', 'with --matrix: every pod of the cluster')
    .addOption(new Option('--ascii', 'with --matrix: . and X instead of ✓ and ✗'))
    .addHelpText(
      'after',
      `
Examples:
  # Is iperf-prod-2 allowed to reach iperf-prod-1 on iperf's port?
  weavectl policy explain --from prod/iperf-prod-2 --to prod/iperf-prod-1:5201/TCP

  # From an address outside the cluster
  weavectl policy explain --from 203.0.113.7 --to prod/web-1:8080

  # Every pod of prod to every other, on port 5201
  weavectl policy explain --matrix -n prod --port 5201

The answer names every policy that isolates the receiver (ingress) and the sender (egress) and every
rule that admits the traffic. Under legacy semantics (Kubernetes before 1.7, or weave-npc with
--use-legacy-netpol, detected from the cluster) isolation comes from the namespace annotation.
Exit code 0 whether the traffic is allowed or denied (the JSON has "allowed"); 1 when the cluster
could not be read, 2 for a bad flag.`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      const { runExplain } = await import('./policy-explain.js');
      await runExplain(explainOptionsOf(opts), globalsOf(command));
    });

  for (const cmd of policy.commands) cmd.exitOverride().showSuggestionAfterError(true);
}
