/**
 * Defaulting and validation, the parts of the API server's that clients observe: defaults that rollout logic reads
 * (a DaemonSet's updateStrategy depends on the group version it was created through), and the 422 Invalid errors for
 * the mistakes a manifest tool can make.
 */

import type { ApiError } from './errors.js';
import { errors } from './errors.js';
import { isPlainObject } from './patch.js';
import { fromLabelSelectorObject, matchesLabels } from './selectors.js';
import type { Obj } from './types.js';

// ---- defaults ----

function defaultProbe(p: unknown): void {
  if (!isPlainObject(p)) return;
  p['timeoutSeconds'] ??= 1;
  p['periodSeconds'] ??= 10;
  p['successThreshold'] ??= 1;
  p['failureThreshold'] ??= 3;
  if (isPlainObject(p['httpGet'])) p['httpGet']['scheme'] ??= 'HTTP';
}

function defaultContainer(c: unknown): void {
  if (!isPlainObject(c)) return;
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  if (c['imagePullPolicy'] === undefined && typeof c['image'] === 'string') {
    const img = c['image'] as string;
    const lastSlash = img.lastIndexOf('/');
    const tagPart = img.slice(lastSlash + 1);
    const hasDigest = img.includes('@');
    const tag = tagPart.includes(':') ? tagPart.slice(tagPart.indexOf(':') + 1) : '';
    c['imagePullPolicy'] = !hasDigest && (tag === '' || tag === 'latest') ? 'Always' : 'IfNotPresent';
  }
  c['resources'] ??= {};
  for (const p of (c['ports'] ?? []) as unknown[]) if (isPlainObject(p)) p['protocol'] ??= 'TCP';
  for (const e of (c['env'] ?? []) as unknown[]) {
    const fr = isPlainObject(e) ? e['valueFrom']?.['fieldRef'] : undefined;
    if (isPlainObject(fr)) fr['apiVersion'] ??= 'v1';
  }
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['startupProbe']);
}

export function defaultPodSpec(spec: unknown, minor: number): void {
  if (!isPlainObject(spec)) return;
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['securityContext'] ??= {};
  spec['schedulerName'] ??= 'default-scheduler';
  if (minor >= 13) spec['enableServiceLinks'] ??= true;
  if (spec['serviceAccountName'] !== undefined) spec['serviceAccount'] ??= spec['serviceAccountName'];
  for (const c of (spec['containers'] ?? []) as unknown[]) defaultContainer(c);
  for (const c of (spec['initContainers'] ?? []) as unknown[]) defaultContainer(c);
  for (const v of (spec['volumes'] ?? []) as unknown[]) {
    if (!isPlainObject(v)) continue;
    if (isPlainObject(v['hostPath'])) v['hostPath']['type'] ??= '';
    if (isPlainObject(v['secret'])) v['secret']['defaultMode'] ??= 420;
    if (isPlainObject(v['configMap'])) v['configMap']['defaultMode'] ??= 420;
  }
}

function defaultSelectorFromTemplate(spec: Obj): void {
  const labels = spec['template']?.['metadata']?.['labels'];
  if (spec['selector'] === undefined && isPlainObject(labels)) spec['selector'] = { matchLabels: { ...labels } };
}

/** Applies the defaults of `kind` as created through `groupVersion` (mutates `obj`). */
export function applyDefaults(kind: string, groupVersion: string, obj: Obj, minor: number): void {
  const spec = obj['spec'];
  const legacy = groupVersion === 'extensions/v1beta1' || groupVersion === 'apps/v1beta1';
  switch (kind) {
    case 'Pod':
      defaultPodSpec(spec, minor);
      break;
    case 'DaemonSet':
      if (!isPlainObject(spec)) break;
      if (groupVersion === 'extensions/v1beta1') defaultSelectorFromTemplate(spec);
      if (spec['updateStrategy'] === undefined) {
        spec['updateStrategy'] = groupVersion === 'extensions/v1beta1' ? { type: 'OnDelete' } : { type: 'RollingUpdate' };
      }
      if (isPlainObject(spec['updateStrategy'])) {
        const us = spec['updateStrategy'];
        us['type'] ??= 'RollingUpdate';
        if (us['type'] === 'RollingUpdate') {
          us['rollingUpdate'] ??= {};
          us['rollingUpdate']['maxUnavailable'] ??= 1;
          if (minor >= 21) us['rollingUpdate']['maxSurge'] ??= 0;
        }
      }
      spec['revisionHistoryLimit'] ??= 10;
      if (groupVersion === 'extensions/v1beta1') spec['templateGeneration'] ??= 1;
      defaultPodSpec(spec['template']?.['spec'], minor);
      break;
    case 'Deployment':
      if (!isPlainObject(spec)) break;
      if (legacy) defaultSelectorFromTemplate(spec);
      spec['replicas'] ??= 1;
      spec['strategy'] ??= { type: 'RollingUpdate' };
      if (isPlainObject(spec['strategy']) && (spec['strategy']['type'] ?? 'RollingUpdate') === 'RollingUpdate') {
        spec['strategy']['type'] ??= 'RollingUpdate';
        const ru = (spec['strategy']['rollingUpdate'] ??= {}) as Obj;
        ru['maxUnavailable'] ??= groupVersion === 'extensions/v1beta1' ? 1 : '25%';
        ru['maxSurge'] ??= groupVersion === 'extensions/v1beta1' ? 1 : '25%';
      }
      spec['revisionHistoryLimit'] ??= groupVersion === 'extensions/v1beta1' ? 2147483647 : groupVersion === 'apps/v1beta1' ? 2 : 10;
      spec['progressDeadlineSeconds'] ??= groupVersion === 'extensions/v1beta1' ? 2147483647 : 600;
      defaultPodSpec(spec['template']?.['spec'], minor);
      break;
    case 'ReplicaSet':
    case 'StatefulSet':
      if (!isPlainObject(spec)) break;
      if (legacy) defaultSelectorFromTemplate(spec);
      spec['replicas'] ??= 1;
      defaultPodSpec(spec['template']?.['spec'], minor);
      break;
    case 'Service':
      if (!isPlainObject(spec)) break;
      spec['type'] ??= 'ClusterIP';
      spec['sessionAffinity'] ??= 'None';
      for (const p of (spec['ports'] ?? []) as unknown[]) {
        if (!isPlainObject(p)) continue;
        p['protocol'] ??= 'TCP';
        p['targetPort'] ??= p['port'];
      }
      break;
    case 'Secret':
      obj['type'] ??= 'Opaque';
      break;
    case 'Namespace':
      obj['spec'] ??= {};
      (obj['spec'] as Obj)['finalizers'] ??= ['kubernetes'];
      if (minor >= 21) {
        const md = obj['metadata'] as Obj;
        md['labels'] = { ...(md['labels'] ?? {}), 'kubernetes.io/metadata.name': md['name'] };
      }
      break;
    case 'NetworkPolicy':
      if (isPlainObject(spec) && spec['policyTypes'] === undefined && minor >= 8) {
        spec['policyTypes'] = Array.isArray(spec['egress']) ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      break;
  }
}

// ---- validation ----

export interface Cause {
  field: string;
  type: string;
  message: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAMES = new Set(['Namespace', 'Service']);
/** RBAC and a few other kinds accept path-segment names (anything without '/', '%', '.' or '..'). */
const PATH_SEGMENT_NAMES = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Node', 'Event']);

function goMap(m: Record<string, unknown>): string {
  const parts = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`);
  return `map[string]string{${parts.join(', ')}}`;
}

function validateName(kind: string, name: unknown, causes: Cause[]): void {
  if (typeof name !== 'string' || name === '') {
    causes.push({ field: 'metadata.name', type: 'FieldValueRequired', message: 'Required value: name or generateName is required' });
    return;
  }
  if (PATH_SEGMENT_NAMES.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) {
      causes.push({ field: 'metadata.name', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: may not contain '/' or '%'` });
    }
    return;
  }
  if (LABEL_NAMES.has(kind)) {
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      causes.push({
        field: 'metadata.name',
        type: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      });
    }
    return;
  }
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({
      field: 'metadata.name',
      type: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  }
}

function validatePodSpec(spec: unknown, prefix: string, causes: Cause[]): void {
  if (!isPlainObject(spec)) {
    causes.push({ field: `${prefix}.containers`, type: 'FieldValueRequired', message: 'Required value' });
    return;
  }
  const containers = spec['containers'];
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${prefix}.containers`, type: 'FieldValueRequired', message: 'Required value' });
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c: unknown, i: number) => {
    const f = `${prefix}.containers[${i}]`;
    if (!isPlainObject(c)) return;
    if (typeof c['name'] !== 'string' || c['name'] === '') causes.push({ field: `${f}.name`, type: 'FieldValueRequired', message: 'Required value' });
    else if (seen.has(c['name'])) causes.push({ field: `${f}.name`, type: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(c['name'])}` });
    else seen.add(c['name']);
    if (typeof c['image'] !== 'string' || c['image'].trim() === '') causes.push({ field: `${f}.image`, type: 'FieldValueRequired', message: 'Required value' });
    // validateEnvVarValueFrom (pkg/apis/core/validation): a literal value and a valueFrom on one env var are refused
    if (Array.isArray(c['env'])) {
      (c['env'] as unknown[]).forEach((e, j) => {
        if (isPlainObject(e) && typeof e['value'] === 'string' && e['value'] !== '' && e['valueFrom'] !== undefined) {
          causes.push({ field: `${f}.env[${j}].valueFrom`, type: 'FieldValueInvalid', message: 'Invalid value: "": may not be specified when `value` is not empty' });
        }
      });
    }
  });
}

function validateWorkload(kind: string, obj: Obj, old: Obj | undefined, groupVersion: string, causes: Cause[]): void {
  const spec = obj['spec'];
  if (!isPlainObject(spec)) {
    causes.push({ field: 'spec.selector', type: 'FieldValueRequired', message: 'Required value' });
    causes.push({ field: 'spec.template.spec.containers', type: 'FieldValueRequired', message: 'Required value' });
    return;
  }
  const sel = spec['selector'];
  const labels = (spec['template']?.['metadata']?.['labels'] ?? {}) as Record<string, string>;
  if (sel === undefined || sel === null) {
    causes.push({ field: 'spec.selector', type: 'FieldValueRequired', message: 'Required value' });
  } else if (isPlainObject(sel)) {
    const reqs = fromLabelSelectorObject(sel);
    if (reqs.length === 0) {
      causes.push({ field: 'spec.selector', type: 'FieldValueInvalid', message: `Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for ${kind.toLowerCase()}` });
    } else if (!matchesLabels(reqs, labels)) {
      causes.push({ field: 'spec.template.metadata.labels', type: 'FieldValueInvalid', message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\`` });
    }
    if (old && groupVersion !== 'extensions/v1beta1' && groupVersion !== 'apps/v1beta1') {
      const oldSel = old['spec']?.['selector'];
      if (oldSel !== undefined && JSON.stringify(oldSel) !== JSON.stringify(sel)) {
        const ml = (sel['matchLabels'] ?? {}) as Record<string, unknown>;
        causes.push({ field: 'spec.selector', type: 'FieldValueInvalid', message: `Invalid value: v1.LabelSelector{MatchLabels:${goMap(ml)}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable` });
      }
    }
  }
  validatePodSpec(spec['template']?.['spec'], 'spec.template.spec', causes);
  if (kind === 'DaemonSet') {
    const rp = spec['template']?.['spec']?.['restartPolicy'];
    if (rp !== undefined && rp !== 'Always') {
      causes.push({ field: 'spec.template.spec.restartPolicy', type: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(rp)}: supported values: "Always"` });
    }
    const us = spec['updateStrategy'];
    const t = isPlainObject(us) ? us['type'] : undefined;
    if (t !== undefined && t !== 'RollingUpdate' && t !== 'OnDelete') {
      causes.push({ field: 'spec.updateStrategy.type', type: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(t)}: supported values: "OnDelete", "RollingUpdate"` });
    }
  }
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit'] as const) {
    const v = spec[f];
    if (v !== undefined && (typeof v !== 'number' || v < 0)) {
      causes.push({ field: `spec.${f}`, type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(v)}: must be greater than or equal to 0` });
    }
  }
}

/** Validates an object about to be stored; returns the 422 error, if any. */
export function validate(kind: string, group: string, groupVersion: string, obj: Obj, old: Obj | undefined): ApiError | undefined {
  const causes: Cause[] = [];
  const md = obj['metadata'];
  const name = isPlainObject(md) ? md['name'] : undefined;
  validateName(kind, name, causes);
  if (isPlainObject(md)) {
    for (const f of ['labels', 'annotations'] as const) {
      const m = md[f];
      if (m === undefined || m === null) continue;
      if (!isPlainObject(m)) {
        causes.push({ field: `metadata.${f}`, type: 'FieldValueInvalid', message: 'Invalid value: must be a map of strings' });
        continue;
      }
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'string') causes.push({ field: `metadata.${f}`, type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(k)}: value must be a string` });
      }
    }
  }
  switch (kind) {
    case 'DaemonSet':
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
      validateWorkload(kind, obj, old, groupVersion, causes);
      break;
    case 'Pod':
      validatePodSpec(obj['spec'], 'spec', causes);
      break;
    case 'ClusterRoleBinding':
    case 'RoleBinding': {
      const rr = obj['roleRef'];
      if (!isPlainObject(rr) || !rr['name']) causes.push({ field: 'roleRef.name', type: 'FieldValueRequired', message: 'Required value' });
      if (old && isPlainObject(rr) && JSON.stringify(old['roleRef']) !== JSON.stringify(rr)) {
        causes.push({ field: 'roleRef', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(rr)}: cannot change roleRef` });
      }
      break;
    }
    case 'Service': {
      const spec = obj['spec'];
      const type = isPlainObject(spec) ? spec['type'] : undefined;
      if (type !== 'ExternalName' && (!isPlainObject(spec) || !Array.isArray(spec['ports']) || spec['ports'].length === 0)) {
        causes.push({ field: 'spec.ports', type: 'FieldValueRequired', message: 'Required value' });
      }
      break;
    }
  }
  if (causes.length === 0) return undefined;
  return errors.invalid(group, kind, typeof name === 'string' ? name : '', causes);
}
