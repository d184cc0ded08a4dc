/**
 * The table of bad inputs (issue 10, "Proof"): flags, kubeconfigs, manifest sources and policy flags
 * that weavectl must refuse with one `error:` line, the right exit code (2: the command line is
 * wrong; 1: what it points at is), and no change to the cluster. Run by bad-inputs.test.ts against
 * the simulator; the render-only rows of render.test.ts started this table.
 *
 * A row: [what, args, exit code, the error line, options]. `kc` names a kubeconfig of FILES (else the
 * simulator's); `files` are written into a temporary folder and @NAME in args is replaced by its path.
 */
export interface BadInput {
  name: string;
  args: string[];
  code: 1 | 2;
  error: RegExp;
  /** a kubeconfig from KUBECONFIGS instead of the simulator's; null: none at all */
  kc?: string | null;
  stdin?: string;
}

type Row = [string, string[], 1 | 2, RegExp, Omit<BadInput, 'name' | 'args' | 'code' | 'error'>?];

const render = ['install', '--k8s-version', '1.7.5', '--dry-run=client', '-o', 'yaml'];
const scope = ['scope', '--k8s-version', '1.7.5', '--dry-run=client'];
const allow = ['policy', 'allow', '-n', 'default', '--to', 'app=web'];

/** Manifest files for --source (@NAME). */
export const FILES: Record<string, string> = {
  'no-ds.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
  'html.yaml': '<!DOCTYPE html><html><body>Not found</body></html>',
  'syntax.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n',
  'scalar.yaml': 'just a string\n',
  'list-doc.yaml': '- a\n- b\n',
  'no-kind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
  'empty.yaml': '',
  'binary.yaml': '\u0000\u0001\u0002\u0003PK\u0003\u0004',
  'other-ds.yaml': 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: not-weave\n  namespace: kube-system\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: busybox}]\n',
  'bomb.yaml': [
    'apiVersion: apps/v1',
    'kind: DaemonSet',
    'metadata: {name: weave-net, namespace: kube-system}',
    'spec:',
    '  x:',
    '    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((c, i) => `    ${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    '',
  ].join('\n'),
  'ca.pem': 'not a certificate\n',
};

const kcText = (body: string) => `apiVersion: v1\nkind: Config\n${body}`;
const ctx = (cluster: string, user = 'u') => `contexts:\n- name: c\n  context: {cluster: ${cluster}, user: ${user}}\ncurrent-context: c\n`;
const SERVER = '__SERVER__'; // the simulator's address, filled in by the test

/** Kubeconfigs (kc: NAME); __SERVER__ is the simulator. */
export const KUBECONFIGS: Record<string, string> = {
  'not-yaml': 'clusters: [\n',
  'top-list': '- a\n- b\n',
  'empty': '',
  'no-current': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: s, user: u}\n`),
  'current-missing': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: s, user: u}\ncurrent-context: gone\n`),
  'cluster-missing': kcText(`clusters: []\nusers:\n- name: u\n  user: {}\n${ctx('nowhere')}`),
  'user-missing': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers: []\n${ctx('s', 'nobody')}`),
  'bad-server': kcText(`clusters:\n- name: s\n  cluster: {server: "http://[::1"}\nusers:\n- name: u\n  user: {}\n${ctx('s')}`),
  'ftp-server': kcText(`clusters:\n- name: s\n  cluster: {server: "ftp://h"}\nusers:\n- name: u\n  user: {}\n${ctx('s')}`),
  'token-file-missing': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {tokenFile: /nonexistent/token}\n${ctx('s')}`),
  'token-and-password': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {token: t, username: a, password: b}\n${ctx('s')}`),
  'cert-file-missing': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {client-certificate: /nonexistent/c.pem, client-key: /nonexistent/k.pem}\n${ctx('s')}`),
  'ca-file-missing': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}, certificate-authority: /nonexistent/ca.pem}\nusers:\n- name: u\n  user: {}\n${ctx('s')}`),
  'exec-fails': kcText(
    `clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: ["-e", "process.exit(3)"]\n      interactiveMode: Never\n${ctx('s')}`,
  ),
  'exec-missing': kcText(
    `clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /nonexistent/get-token\n      interactiveMode: Never\n${ctx('s')}`,
  ),
  'wrong-token': kcText(`clusters:\n- name: s\n  cluster: {server: ${SERVER}}\nusers:\n- name: u\n  user: {token: not-the-token}\n${ctx('s')}`),
};

const rows: Row[] = [
  // ---- global flags (exit 2, before any request)
  ['-o xml', ['policy', 'list', '-o', 'xml'], 2, /^error: unable to match a printer suitable for the output format "xml"/],
  ['-o wide', ['status', '-o', 'wide'], 2, /output format "wide"/],
  ['-o name', ['check', '-o', 'name'], 2, /output format "name"/],
  ['--timeout without a unit', ['status', '--timeout', '5'], 2, /^error: invalid duration for --timeout: "5"$/],
  ['--timeout in words', ['status', '--timeout', '5 minutes'], 2, /invalid duration for --timeout/],
  ['--timeout negative', ['status', '--timeout', '-1s'], 2, /invalid duration for --timeout/],
  ['--timeout in days', ['status', '--timeout', '5d'], 2, /invalid duration for --timeout: "5d"/],
  ['--timeout past Go\'s limit', ['status', '--timeout', '2562048h'], 2, /longer than the longest duration/],
  ['--timeout empty', ['status', '--timeout', ''], 2, /invalid duration for --timeout/],
  ['--request-timeout in words', ['status', '--request-timeout', 'soon'], 2, /^error: invalid --request-timeout "soon"/],
  ['--request-timeout fraction without unit', ['status', '--request-timeout', '1.5'], 2, /invalid --request-timeout "1\.5"/],
  ['--request-timeout negative', ['status', '--request-timeout', '-1'], 2, /invalid --request-timeout "-1"/],
  ['--dry-run=maybe', ['install', '--dry-run=maybe'], 2, /invalid --dry-run value "maybe"/],
  ['--dry-run=True', ['install', '--dry-run=True'], 2, /invalid --dry-run value "True"/],
  ['-n with capitals', ['policy', 'list', '-n', 'Kube-System'], 2, /^error: invalid namespace "Kube-System"/],
  ['-n with an underscore', ['status', '-n', 'kube_system'], 2, /invalid namespace "kube_system"/],
  ['-n of 64 characters', ['status', '-n', 'a'.repeat(64)], 2, /invalid namespace/],
  ['-n ending in a dash', ['check', '-n', 'weave-'], 2, /invalid namespace "weave-"/],
  ['--server ftp://', ['policy', 'list', '--server', 'ftp://h'], 2, /^error: invalid --server "ftp:\/\/h"/],
  ['--server empty', ['policy', 'list', '--server', ''], 2, /--server needs a value/],
  ['-s http:// without a host', ['policy', 'list', '-s', 'http://'], 2, /invalid --server "http:\/\/"/],
  ['--insecure-skip-tls-verify=maybe', ['policy', 'list', '--insecure-skip-tls-verify=maybe'], 2, /--insecure-skip-tls-verify takes true or false, not "maybe"/],
  ['--user that is not in the kubeconfig', ['policy', 'list', '--user', 'nobody'], 2, /user "nobody" \(--user\) does not exist/],
  ['--cluster that is not in the kubeconfig', ['status', '--cluster', 'nope'], 2, /cluster "nope" \(--cluster\) does not exist/],
  ['--context that is not in the kubeconfig', ['status', '--context', 'nope'], 2, /context "nope" does not exist in the kubeconfig/],
  ['--certificate-authority with --insecure-skip-tls-verify', ['policy', 'list', '--certificate-authority', '@ca.pem', '--insecure-skip-tls-verify'], 2, /cannot be used together/],
  ['--token with a line break', ['policy', 'list', '--token', 'a\nb'], 2, /--token holds a line break/],
  ['--token empty', ['policy', 'list', '--token', ''], 2, /--token needs a value/],
  ['an unknown global flag', ['--kubeconfg', 'x', 'status'], 2, /^error: unknown option '--kubeconfg'$/],
  ['a misspelt command', ['statsu'], 2, /unknown command 'statsu'/],
  ['a misspelt policy command', ['policy', 'isolat', 'default'], 2, /unknown command 'isolat'/],
  ['an unknown flag of install', ['install', '--ipaloc', '10.32.0.0/12'], 2, /unknown option '--ipaloc'/],
  ['an unknown flag of status', ['status', '--nodes', 'a'], 2, /unknown option '--nodes'/],
  ['an unknown flag of uninstall', ['uninstall', '--force'], 2, /unknown option '--force'/],
  ['--timeout without a value', ['status', '--timeout'], 2, /option '--timeout <duration>' argument missing/],
  ['-n without a value', ['status', '-n'], 2, /argument missing/],

  // ---- install flags (exit 2)
  ['a host address as CIDR', [...render, '--ipalloc', '172.25.64.1/18'], 2, /172\.25\.64\.1\/18 is not a network address: did you mean 172\.25\.64\.0\/18\?/],
  ['an IPv6 range', [...render, '--ipalloc', 'fd00::/64'], 2, /IPv4/],
  ['a prefix of 33', [...render, '--ipalloc', '10.0.0.0/33'], 2, /10\.0\.0\.0\/33/],
  ['a range without a prefix', [...render, '--ipalloc', '10.32.0.0'], 2, /10\.32\.0\.0/],
  ['a range of words', [...render, '--ipalloc', 'big'], 2, /big/],
  ['a loopback range', [...render, '--ipalloc', '127.0.0.0/8'], 2, /127\.0\.0\.0\/8/],
  ['a multicast range', [...render, '--ipalloc', '224.0.0.0/4'], 2, /224\.0\.0\.0\/4/],
  ['a range with a leading zero', [...render, '--ipalloc', '10.032.0.0/12'], 2, /10\.032\.0\.0/],
  ['a version that is not one', ['install', '--k8s-version', '1.x', '--dry-run=client'], 2, /1\.x/],
  ['a version of words', ['install', '--k8s-version', 'latest', '--dry-run=client'], 2, /latest/],
  ['Kubernetes 0.1', ['install', '--k8s-version', '0.1', '--dry-run=client'], 2, /0\.1/],
  ['a pair upstream never shipped', ['install', '--k8s-version', '1.7.5', '--weave-version', '2.8.1', '--dry-run=client'], 2, /2\.8\.1/],
  ['a Weave version that does not exist', ['install', '--k8s-version', '1.29', '--weave-version', '9.9.9', '--dry-run=client'], 2, /9\.9\.9/],
  ['an unknown output format on render', ['install', '--k8s-version', '1.7.5', '--dry-run=client', '-o', 'xml'], 2, /xml/],
  ['a bad --timeout on render', [...render, '--timeout', '5 minutes'], 2, /duration/],
  ['a bad --dry-run on render', ['install', '--k8s-version', '1.7.5', '--dry-run=maybe'], 2, /dry-run/],
  ['--mtu of words', [...render, '--mtu', 'big'], 2, /mtu/i],
  ['--mtu of 0', [...render, '--mtu', '0'], 2, /mtu/i],
  ['--mtu too large', [...render, '--mtu', '99999'], 2, /mtu/i],
  ['--mtu negative', [...render, '--mtu', '-1'], 2, /mtu/i],
  ['--conn-limit of words', [...render, '--conn-limit', 'many'], 2, /conn-limit/],
  ['--env with a bad name', [...render, '--env', '1BAD=x'], 2, /env|name/i],
  ['--env without =', [...render, '--env', 'NOEQUALS'], 2, /NOEQUALS/],
  ['a password as a literal', [...render, '--env', 'WEAVE_PASSWORD=secret'], 2, /password-secret/],
  ['--wait=maybe', [...render, '--wait=maybe'], 2, /--wait takes true or false, not "maybe"/],
  ['--disable-npc=off', [...render, '--disable-npc=off'], 2, /--disable-npc takes true or false/],
  ['--image-registry with a space', [...render, '--image-registry', 'bad registry'], 2, /image-registry/],
  ['--password-secret not a name', [...render, '--password-secret', 'Bad_Name'], 2, /Bad_Name/],
  ['a malformed --sha256', ['install', '--k8s-version', '1.7.5', '--source', '-', '--sha256', 'abc', '--dry-run=client'], 2, /sha256/],
  ['--sha256 without --source', ['install', '--k8s-version', '1.7.5', '--sha256', 'a'.repeat(64), '--dry-run=client'], 2, /--sha256 applies to fetched manifests/],
  ['a missing --source file', ['install', '--k8s-version', '1.7.5', '--source', '/nonexistent/weave.yaml', '--dry-run=client'], 2, /nonexistent/],
  ['--source a directory', ['install', '--k8s-version', '1.7.5', '--source', '/tmp', '--dry-run=client'], 2, /\/tmp/],
  ['--source ftp://', ['install', '--k8s-version', '1.7.5', '--source', 'ftp://example.com/w.yaml', '--dry-run=client'], 2, /ftp/],
  ['--source plain http to a remote host', ['install', '--k8s-version', '1.7.5', '--source', 'http://example.com/w.yaml', '--dry-run=client'], 2, /refusing plain http:\/\/ for manifest URL/],
  ['--ipalloc on install against the cluster', ['install', '--ipalloc', '10.32.0.1/12'], 2, /did you mean 10\.32\.0\.0\/12\?/],
  ['--mtu on install against the cluster', ['install', '--mtu', 'x'], 2, /mtu/i],

  // ---- manifest sources (exit 1: the file is wrong, not the command line)
  ['a manifest without the weave DaemonSet', ['install', '--k8s-version', '1.7.5', '--source', '@no-ds.yaml', '--dry-run=client'], 1, /weave-net/],
  ['an HTML page', ['install', '--k8s-version', '1.7.5', '--source', '@html.yaml', '--dry-run=client'], 1, /HTML/],
  ['a YAML syntax error', ['install', '--k8s-version', '1.7.5', '--source', '@syntax.yaml', '--dry-run=client'], 1, /line \d+/],
  ['a YAML scalar', ['install', '--k8s-version', '1.7.5', '--source', '@scalar.yaml', '--dry-run=client'], 1, /not a Kubernetes object/],
  ['a YAML list', ['install', '--k8s-version', '1.7.5', '--source', '@list-doc.yaml', '--dry-run=client'], 1, /not a Kubernetes object/],
  ['an object without kind', ['install', '--k8s-version', '1.7.5', '--source', '@no-kind.yaml', '--dry-run=client'], 1, /kind/],
  ['an empty manifest', ['install', '--k8s-version', '1.7.5', '--source', '@empty.yaml', '--dry-run=client'], 1, /empty\.yaml: no Kubernetes objects in the manifest \(it is empty\)$/],
  ['binary garbage', ['install', '--k8s-version', '1.7.5', '--source', '@binary.yaml', '--dry-run=client'], 1, /binary\.yaml: a document is not a Kubernetes object/],
  ['another DaemonSet only', ['install', '--k8s-version', '1.7.5', '--source', '@other-ds.yaml', '--dry-run=client'], 1, /weave-net/],
  ['a YAML alias bomb in the DaemonSet', ['install', '--k8s-version', '1.29', '--source', '@bomb.yaml', '--dry-run=client'], 1, /billion laughs/],
  ['a YAML alias bomb against the cluster', ['install', '--source', '@bomb.yaml'], 1, /billion laughs/],
  ['a sha256 mismatch', ['install', '--k8s-version', '1.7.5', '--source', '@no-ds.yaml', '--sha256', '0'.repeat(64), '--dry-run=client'], 1, /sha256/],
  ['stdin without a DaemonSet', ['install', '--k8s-version', '1.7.5', '--source', '-', '--dry-run=client'], 1, /weave-net/, { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' }],
  ['stdin empty', ['install', '--k8s-version', '1.7.5', '--source', '-', '--dry-run=client'], 1, /^error: standard input: no Kubernetes objects in the manifest \(it is empty\)$/, { stdin: '' }],
  ['stdin an HTML page', ['install', '--k8s-version', '1.7.5', '--source', '-', '--dry-run=client'], 1, /HTML/, { stdin: '<html></html>' }],

  // ---- scope flags (exit 2)
  ['--port 70000', [...scope, '--port', '70000'], 2, /port/i],
  ['--port 0', [...scope, '--port', '0'], 2, /port/i],
  ['--port of words', [...scope, '--port', 'http'], 2, /port/i],
  ['--port negative', [...scope, '--port', '-1'], 2, /port/i],
  ['--external-ip of three parts', [...scope, '--external-ip', '10.200.33'], 2, /10\.200\.33/],
  ['--external-ip 255.255.255.255', [...scope, '--external-ip', '255.255.255.255'], 2, /255\.255\.255\.255 is a broadcast address/],
  ['--external-ip 0.0.0.0', [...scope, '--external-ip', '0.0.0.0'], 2, /unspecified/],
  ['--external-ip loopback', [...scope, '--external-ip', '127.0.0.1'], 2, /loopback/],
  ['--external-ip multicast', [...scope, '--external-ip', '224.0.0.1'], 2, /multicast/],
  ['--external-ip link-local', [...scope, '--external-ip', '169.254.169.254'], 2, /link-local/],
  ['--external-ip class E', [...scope, '--external-ip', '240.0.0.1'], 2, /reserved/],
  ['--external-ip a CIDR', [...scope, '--external-ip', '10.0.0.0/8'], 2, /not a CIDR/],
  ['--external-ip IPv6 loopback', [...scope, '--external-ip', '::1'], 2, /loopback/],
  ['--external-ip of words', [...scope, '--external-ip', 'my-host'], 2, /not an IP address/],
  ['--external-ip 256.1.1.1', [...scope, '--external-ip', '256.1.1.1'], 2, /256/],
  ['--external-ip an empty list item', [...scope, '--external-ip', '10.0.0.1,,10.0.0.2'], 2, /external-ip/],
  ['--service-type Foo', [...scope, '--service-type', 'Foo'], 2, /--service-type "Foo" is not one of/],
  ['scope --external-ip 255.255.255.255 against the cluster', ['scope', '--external-ip', '255.255.255.255'], 2, /broadcast/],
  // issue 15: basic auth, runtime, --allow-from, scope open
  ['--runtime podman', [...scope, '--runtime', 'podman'], 2, /^error: --runtime "podman": expected auto, docker, containerd or crio$/],
  ['--basic-auth-secret not a DNS name', [...scope, '--basic-auth-secret', 'Scope_Auth'], 2, /invalid Secret name "Scope_Auth"/],
  ['--generate without --basic-auth-secret', [...scope, '--generate'], 2, /--generate creates the Secret of --basic-auth-secret/],
  ['--generate with --dry-run=client', [...scope, '--basic-auth-secret', 'a', '--generate'], 2, /--generate creates a Secret in the cluster: it cannot run with --dry-run=client/],
  ['--allow-from with host bits', ['scope', '--k8s-version', '1.29', '--dry-run=client', '--allow-from', '10.0.0.1/8'], 2, /--allow-from 10\.0\.0\.1\/8 is not a network address: did you mean 10\.0\.0\.0\/8\?/],
  ['--allow-from an address', ['scope', '--k8s-version', '1.29', '--dry-run=client', '--allow-from', '10.0.0.1'], 2, /10\.0\.0\.1 has no prefix length/],
  ['--allow-from on Kubernetes 1.7 (no ipBlock)', [...scope, '--allow-from', '10.0.0.0/8'], 2, /--allow-from needs Kubernetes 1\.8 or later/],
  ['scope --basic-auth-secret without the Secret', ['scope', '--basic-auth-secret', 'nope', '--wait=false'], 1, /^error: Secret weave\/nope not found/],
  ['scope open --port 70000', ['scope', 'open', '--port', '70000', '--browser=false'], 2, /--port "70000" is not a port/],
  ['scope open --address of words', ['scope', 'open', '--address', 'my-host', '--browser=false'], 2, /--address "my-host" is not an IP address/],
  // a parent's flag after the subcommand would land on the parent, silently ignored: refused
  ['scope open --yes (a flag of scope)', ['scope', 'open', '--yes', '--browser=false'], 2, /--yes is a flag of "scope", not of "scope open"/],
  ['scope status --external-ip (a flag of scope)', ['scope', 'status', '--external-ip', '10.0.0.1'], 2, /--external-ip is a flag of "scope", not of "scope status"/],
  ['scope open --browser=sometimes', ['scope', 'open', '--browser=sometimes'], 2, /--browser takes true or false/],

  // ---- rollout-status, status, check, uninstall, npc (exit 2)
  ['rollout-status pod/x', ['rollout-status', 'pod/x'], 2, /^error: rollout-status watches DaemonSets and Deployments, not "pod"$/],
  ['rollout-status a bad --watch', ['rollout-status', '--watch=sometimes'], 2, /--watch takes true or false/],
  ['rollout-status a bad name', ['rollout-status', 'ds/Bad_Name'], 2, /Bad_Name/],
  ['status --exec-timeout 0', ['status', '--exec-timeout', '0'], 2, /--exec-timeout/],
  ['status --exec-timeout of words', ['status', '--exec-timeout', 'long'], 2, /--exec-timeout/],
  ['status --concurrency 0', ['status', '--concurrency', '0'], 2, /concurrency/],
  ['status --concurrency of words', ['status', '--concurrency', 'many'], 2, /concurrency/],
  ['status --concurrency negative', ['status', '--concurrency', '-3'], 2, /concurrency/],
  ['status --wait=maybe', ['status', '--wait=maybe'], 2, /^error: --wait takes true or false, not "maybe"$/],
  ['connectivity test --include of an unknown test', ['connectivity', 'test', '--include', 'bogus'], 2, /^error: invalid --include "bogus": the extra tests are: policy$/],
  ['connectivity test --concurrency 0', ['connectivity', 'test', '--concurrency', '0'], 2, /^error: invalid --concurrency "0"/],
  ['connectivity test --test-namespace not a label', ['connectivity', 'test', '--test-namespace', 'Bad_NS'], 2, /^error: invalid namespace "Bad_NS"/],
  ['connectivity test --image-registry with a scheme', ['connectivity', 'test', '--image-registry', 'https://r.example'], 2, /give the registry host and path without a scheme/],
  ['connectivity test --cleanup=maybe', ['connectivity', 'test', '--cleanup=maybe'], 2, /^error: --cleanup takes true or false, not "maybe"$/],
  ['connectivity test --dry-run', ['connectivity', 'test', '--dry-run=client'], 2, /^error: connectivity test deploys probes to test with: it has no --dry-run$/],
  ['check --ipalloc with host bits', ['check', '--pre', '--ipalloc', '10.32.0.1/12'], 2, /did you mean 10\.32\.0\.0\/12\?/],
  ['check --ipalloc of words', ['check', '--pre', '--ipalloc', 'abc'], 2, /abc/],
  ['peers --concurrency 0', ['peers', '--concurrency', '0'], 2, /concurrency/],
  ['peers -o yaml', ['peers', '-o', 'yaml'], 2, /^error: peers prints text or -o json$/],
  ['peers rmpeer without a name or --gone', ['peers', 'rmpeer'], 2, /^error: peers rmpeer needs peer names or --gone$/],
  ['peers rmpeer a name and --gone', ['peers', 'rmpeer', 'k8s-vm1', '--gone'], 2, /^error: peers rmpeer takes peer names or --gone, not both$/],
  ['peers rmpeer --dry-run=server', ['peers', 'rmpeer', '--gone', '--dry-run=server'], 2, /--dry-run=server is not possible/],
  ['peers rmpeer --exec-timeout 0', ['peers', 'rmpeer', '--gone', '--exec-timeout', '0'], 2, /--exec-timeout/],
  ['peers rmpeer --concurrency of words', ['peers', 'rmpeer', 'k8s-vm1', '--concurrency', 'many'], 2, /concurrency/],
  ['uninstall --wait=maybe', ['uninstall', '--wait=maybe'], 2, /--wait takes true or false/],
  ['uninstall with an argument', ['uninstall', 'weave-net'], 2, /^error: too many arguments for 'uninstall'/],

  // ---- policy (exit 2)
  ['isolate without a namespace', ['policy', 'isolate'], 2, /missing required argument/],
  ['isolate a bad namespace', ['policy', 'isolate', 'Prod'], 2, /invalid namespace "Prod"/],
  ['allow without --to', ['policy', 'allow', '-n', 'default'], 2, /^error: required option '--to <selector>' not specified$/],
  ['allow --from-cidr with host bits', [...allow, '--from-cidr', '10.0.0.1/8'], 2, /^error: --from-cidr 10\.0\.0\.1\/8 is not a network address: did you mean 10\.0\.0\.0\/8\?$/],
  ['allow --from-cidr 203.0.113.7/24', [...allow, '--from-cidr', '203.0.113.7/24'], 2, /did you mean 203\.0\.113\.0\/24\?/],
  ['allow --from-cidr IPv6 with host bits', [...allow, '--from-cidr', 'fd00::1/64'], 2, /did you mean fd00::\/64\?/],
  ['allow --from-cidr /33', [...allow, '--from-cidr', '10.0.0.0/33'], 2, /is not a CIDR/],
  ['allow --from-cidr of words', [...allow, '--from-cidr', 'office'], 2, /is not a CIDR/],
  ['allow --except without --from-cidr', [...allow, '--except', '10.1.0.0/16'], 2, /--except needs --from-cidr/],
  ['allow --except outside the block', [...allow, '--from-cidr', '10.0.0.0/8', '--except', '192.168.0.0/16'], 2, /must be a smaller block inside/],
  ['allow --except with host bits', [...allow, '--from-cidr', '10.0.0.0/8', '--except', '10.1.0.1/16'], 2, /did you mean 10\.1\.0\.0\/16\?/],
  ['allow --except the whole block', [...allow, '--from-cidr', '10.0.0.0/8', '--except', '10.0.0.0/8'], 2, /smaller block/],
  ['allow a trailing comma in --to', ['policy', 'allow', '-n', 'default', '--to', 'a=b,'], 2, /a trailing comma/],
  ['allow an unclosed set in --from', [...allow, '--from', 'tier in (a,b'], 2, /--from/],
  ['allow a bad operator in --from', [...allow, '--from', 'a=>b'], 2, /--from/],
  ['allow a label key with a space', [...allow, '--from', 'my app=x'], 2, /--from/],
  ['allow a label value too long', [...allow, '--from', `a=${'x'.repeat(64)}`], 2, /--from/],
  ['allow --port 70000', [...allow, '--port', '70000'], 2, /70000/],
  ['allow --port of words', [...allow, '--port', 'web!'], 2, /web!/],
  ['allow --port a reversed range', [...allow, '--port', '5010-5000'], 2, /5010-5000/],
  ['allow --port a bad protocol', [...allow, '--port', '80/ICMP'], 2, /ICMP/],
  ['allow --name not a DNS label', [...allow, '--name', 'Bad_Name'], 2, /invalid policy name "Bad_Name"/],
  ['allow -n with capitals', ['policy', 'allow', '-n', 'Prod', '--to', 'a=b'], 2, /invalid namespace "Prod"/],
  ['allow both namespace flags', [...allow, '--from-namespace', 'x=y', '--from-namespace-name', 'x'], 2, /give --from-namespace or --from-namespace-name, not both/],
  ['allow --from-namespace-name not a name', [...allow, '--from-namespace-name', 'Bad_NS'], 2, /Bad_NS/],
  ['explain without --from', ['policy', 'explain', '--to', 'default/a'], 2, /--from/],
  ['explain a --from of three parts', ['policy', 'explain', '--from', 'a/b/c', '--to', 'default/b'], 2, /^error: --from "a\/b\/c": expected NAMESPACE\/POD, POD or an IP address$/],
  ['explain a --from with a bad namespace', ['policy', 'explain', '--from', 'Default/x', '--to', 'default/b'], 2, /invalid namespace "Default"/],
  ['explain a --from without a pod name', ['policy', 'explain', '--from', 'default/', '--to', 'default/b'], 2, /"" is not a pod name/],
  ['explain a --from without a namespace before /', ['policy', 'explain', '--from', '/x', '--to', 'default/b'], 2, /the namespace before '\/' is empty/],
  ['explain a --to port out of range', ['policy', 'explain', '--from', 'default/a', '--to', 'default/b:99999'], 2, /99999/],
  ['explain a --to port of words', ['policy', 'explain', '--from', 'default/a', '--to', 'default/b:web!'], 2, /web!/],
  ['list with capitals in -n', ['policy', 'list', '-n', 'Default'], 2, /invalid namespace "Default"/],
  ['npc rules an unknown flag', ['npc', 'rules', '--chain', 'x'], 2, /unknown option '--chain'/],

  // ---- kubeconfigs (exit 1: the file is wrong; the --kubeconfig path itself: 1 as kubectl)
  ['--kubeconfig /dev/zero', ['status', '--kubeconfig', '/dev/zero'], 1, /^error: kubeconfig \/dev\/zero is larger than 16 MiB: not a kubeconfig$/, { kc: null }],
  ['--kubeconfig a directory', ['status', '--kubeconfig', '/tmp'], 1, /cannot read kubeconfig \/tmp: it is a directory/, { kc: null }],
  ['--kubeconfig missing', ['status', '--kubeconfig', '/nonexistent/kc'], 1, /kubeconfig \/nonexistent\/kc does not exist/, { kc: null }],
  ['KUBECONFIG of missing files', ['status'], 1, /none of the files in KUBECONFIG exist/, { kc: null }],
  ['a kubeconfig that is not YAML', ['status'], 1, /is not valid YAML/, { kc: 'not-yaml' }],
  ['a kubeconfig that is a list', ['status'], 1, /its top level is not a mapping/, { kc: 'top-list' }],
  ['an empty kubeconfig', ['status'], 1, /defines no clusters, users or contexts/, { kc: 'empty' }],
  ['a kubeconfig without current-context', ['status'], 1, /has no current-context/, { kc: 'no-current' }],
  ['a current-context that does not exist', ['policy', 'list'], 1, /the current-context "gone" of the kubeconfig .* does not exist/, { kc: 'current-missing' }],
  ['a context whose cluster does not exist', ['status'], 1, /refers to cluster "nowhere"/, { kc: 'cluster-missing' }],
  ['a context whose user does not exist', ['status'], 1, /refers to user "nobody"/, { kc: 'user-missing' }],
  ['a server that is not a URL', ['status'], 1, /invalid server address/, { kc: 'bad-server' }],
  ['an ftp:// server', ['status'], 1, /unsupported server address "ftp:\/\/h"/, { kc: 'ftp-server' }],
  ['a tokenFile that is missing', ['install'], 1, /cannot read the token file \/nonexistent\/token: ENOENT/, { kc: 'token-file-missing' }],
  ['a token and a password', ['install'], 1, /only one authentication method is allowed/, { kc: 'token-and-password' }],
  ['a client certificate file that is missing', ['install'], 1, /cannot read the client certificate \/nonexistent\/c\.pem/, { kc: 'cert-file-missing' }],
  ['a CA file that is missing', ['install'], 1, /cannot read the certificate authority \/nonexistent\/ca\.pem/, { kc: 'ca-file-missing' }],
  ['an exec plugin that fails', ['install'], 1, /cannot get credentials for context "c"/, { kc: 'exec-fails' }],
  ['an exec plugin that does not exist', ['policy', 'isolate', 'default'], 1, /cannot get credentials for context "c"/, { kc: 'exec-missing' }],
  ['a token the API server refuses', ['install'], 1, /401 Unauthorized/, { kc: 'wrong-token' }],
  ['a token the API server refuses (policy)', ['policy', 'allow', '-n', 'default', '--to', 'a=b', '--from', 'c=d'], 1, /401 Unauthorized/, { kc: 'wrong-token' }],
  ['a token the API server refuses (uninstall)', ['uninstall'], 1, /401 Unauthorized/, { kc: 'wrong-token' }],
];

export const BAD_INPUTS: BadInput[] = rows.map(([name, args, code, error, opts]) => ({ name, args, code, error, ...opts }));
