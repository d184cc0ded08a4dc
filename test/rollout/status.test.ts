import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { WeavectlError } from '../../src/errors.js';
import {
  daemonSetStatus,
  daemonSetStrategy,
  deploymentRevision,
  deploymentStatus,
  viewerKind,
} from '../../src/rollout/status.js';
import { ds } from '../fakes/builders.js';

// Cases and strings from kubectl's polymorphichelpers/rollout_status.go (and its _test.go).
describe('daemonSetStatus (kubectl DaemonSetStatusViewer)', () => {
  const cases: { name: string; obj: KubeObject; message: string; done: boolean; error?: string }[] = [
    {
      name: 'spec update not observed yet',
      obj: ds({ generation: 2, observedGeneration: 1, desired: 3, updated: 3, available: 3 }),
      message: 'Waiting for daemon set spec update to be observed...',
      done: false,
    },
    {
      name: 'no status at all (generation 1 > observedGeneration 0)',
      obj: { ...ds(), status: undefined },
      message: 'Waiting for daemon set spec update to be observed...',
      done: false,
    },
    {
      name: 'pods being updated',
      obj: ds({ desired: 8, updated: 3, available: 8 }),
      message: 'Waiting for daemon set "weave-net" rollout to finish: 3 out of 8 new pods have been updated...',
      done: false,
    },
    {
      name: 'updated, not all available',
      obj: ds({ desired: 8, updated: 8, available: 5 }),
      message: 'Waiting for daemon set "weave-net" rollout to finish: 5 of 8 updated pods are available...',
      done: false,
    },
    {
      name: 'done',
      obj: ds({ name: 'weave-scope-agent', desired: 8, updated: 8, available: 8 }),
      message: 'daemon set "weave-scope-agent" successfully rolled out',
      done: true,
    },
    {
      name: 'observedGeneration ahead of generation counts as observed',
      obj: ds({ generation: 1, observedGeneration: 2, desired: 2, updated: 2, available: 2 }),
      message: 'daemon set "weave-net" successfully rolled out',
      done: true,
    },
    {
      name: 'desired 0 is "done" for kubectl (diagnose.ts is what refuses it)',
      obj: ds({ desired: 0, updated: 0, available: 0 }),
      message: 'daemon set "weave-net" successfully rolled out',
      done: true,
    },
    {
      name: 'OnDelete',
      obj: ds({ strategy: 'OnDelete' }),
      message: '',
      done: false,
      error: 'rollout status is only available for RollingUpdate strategy type',
    },
    {
      name: 'extensions/v1beta1 without updateStrategy defaults to OnDelete',
      obj: ds({ apiVersion: 'extensions/v1beta1', strategy: null }),
      message: '',
      done: false,
      error: 'rollout status is only available for RollingUpdate strategy type',
    },
    {
      name: 'extensions/v1beta1 with an explicit RollingUpdate',
      obj: ds({ apiVersion: 'extensions/v1beta1', strategy: 'RollingUpdate', desired: 2, updated: 1 }),
      message: 'Waiting for daemon set "weave-net" rollout to finish: 1 out of 2 new pods have been updated...',
      done: false,
    },
    {
      name: 'apps/v1 without updateStrategy defaults to RollingUpdate',
      obj: ds({ apiVersion: 'apps/v1', strategy: null }),
      message: 'daemon set "weave-net" successfully rolled out',
      done: true,
    },
    {
      name: 'apps/v1beta2 without updateStrategy defaults to RollingUpdate',
      obj: ds({ apiVersion: 'apps/v1beta2', strategy: null }),
      message: 'daemon set "weave-net" successfully rolled out',
      done: true,
    },
  ];
  it.each(cases)('$name', ({ obj, message, done, error }) => {
    const s = daemonSetStatus(obj);
    expect(s.message).toBe(message);
    expect(s.done).toBe(done);
    expect(s.error).toBe(error);
  });

  it('reports the counts', () => {
    expect(daemonSetStatus(ds({ desired: 8, updated: 6, available: 4, ready: 5 })).counts).toEqual({ desired: 8, updated: 6, available: 4, ready: 5 });
    expect(daemonSetStatus({ ...ds(), status: {} }).counts).toEqual({ desired: 0, updated: 0, available: 0, ready: 0 });
  });

  it('strategy defaulting follows the apiVersion, an explicit type wins', () => {
    expect(daemonSetStrategy(ds({ apiVersion: 'extensions/v1beta1', strategy: null }))).toBe('OnDelete');
    expect(daemonSetStrategy(ds({ apiVersion: 'apps/v1', strategy: null }))).toBe('RollingUpdate');
    expect(daemonSetStrategy({ ...ds({ strategy: null }), apiVersion: undefined })).toBe('RollingUpdate');
    expect(daemonSetStrategy({ ...ds({ apiVersion: 'extensions/v1beta1' }), spec: { updateStrategy: {} } })).toBe('OnDelete');
    expect(daemonSetStrategy(ds({ apiVersion: 'apps/v1', strategy: 'OnDelete' }))).toBe('OnDelete');
  });
});

function deploy(o: {
  name?: string;
  generation?: number;
  observedGeneration?: number;
  replicas?: number | null;
  statusReplicas?: number;
  updated?: number;
  available?: number;
  ready?: number;
  revision?: string;
  progressing?: string;
}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name ?? 'weave-scope-app',
      namespace: 'weave',
      generation: o.generation ?? 1,
      ...(o.revision !== undefined ? { annotations: { 'deployment.kubernetes.io/revision': o.revision } } : {}),
    },
    spec: o.replicas === undefined ? {} : { replicas: o.replicas },
    status: {
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
      replicas: o.statusReplicas ?? 0,
      updatedReplicas: o.updated ?? 0,
      availableReplicas: o.available ?? 0,
      readyReplicas: o.ready ?? 0,
      ...(o.progressing ? { conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }, { type: 'Progressing', status: 'False', reason: o.progressing }] } : {}),
    },
  };
}

describe('deploymentStatus (kubectl DeploymentStatusViewer)', () => {
  const cases: { name: string; obj: KubeObject; revision?: number; message: string; done: boolean; error?: string }[] = [
    {
      name: 'spec update not observed',
      obj: deploy({ generation: 2, observedGeneration: 1, replicas: 1, statusReplicas: 1, updated: 1, available: 1 }),
      message: 'Waiting for deployment spec update to be observed...',
      done: false,
    },
    {
      name: 'new replicas being updated',
      obj: deploy({ replicas: 3, statusReplicas: 3, updated: 1, available: 3 }),
      message: 'Waiting for deployment "weave-scope-app" rollout to finish: 1 out of 3 new replicas have been updated...',
      done: false,
    },
    {
      name: 'old replicas pending termination',
      obj: deploy({ replicas: 3, statusReplicas: 5, updated: 3, available: 3 }),
      message: 'Waiting for deployment "weave-scope-app" rollout to finish: 2 old replicas are pending termination...',
      done: false,
    },
    {
      name: 'updated replicas not yet available',
      obj: deploy({ replicas: 3, statusReplicas: 3, updated: 3, available: 1 }),
      message: 'Waiting for deployment "weave-scope-app" rollout to finish: 1 of 3 updated replicas are available...',
      done: false,
    },
    {
      name: 'done',
      obj: deploy({ replicas: 3, statusReplicas: 3, updated: 3, available: 3 }),
      message: 'deployment "weave-scope-app" successfully rolled out',
      done: true,
    },
    {
      name: 'scaled to zero is done',
      obj: deploy({ replicas: 0 }),
      message: 'deployment "weave-scope-app" successfully rolled out',
      done: true,
    },
    {
      name: 'missing spec.replicas is the server default 1',
      obj: deploy({ statusReplicas: 0, updated: 0 }),
      message: 'Waiting for deployment "weave-scope-app" rollout to finish: 0 out of 1 new replicas have been updated...',
      done: false,
    },
    {
      name: 'null spec.replicas skips the new-replicas check, as kubectl does for nil',
      obj: deploy({ replicas: null, statusReplicas: 0, updated: 0 }),
      message: 'deployment "weave-scope-app" successfully rolled out',
      done: true,
    },
    {
      name: 'progress deadline exceeded',
      obj: deploy({ replicas: 3, statusReplicas: 3, updated: 1, progressing: 'ProgressDeadlineExceeded' }),
      message: '',
      done: false,
      error: 'deployment "weave-scope-app" exceeded its progress deadline',
    },
    {
      name: 'progress deadline is only looked at once the spec is observed',
      obj: deploy({ generation: 3, observedGeneration: 2, progressing: 'ProgressDeadlineExceeded' }),
      message: 'Waiting for deployment spec update to be observed...',
      done: false,
    },
    {
      name: 'another Progressing reason is not an error',
      obj: deploy({ replicas: 1, statusReplicas: 1, updated: 1, available: 1, progressing: 'NewReplicaSetAvailable' }),
      message: 'deployment "weave-scope-app" successfully rolled out',
      done: true,
    },
    {
      name: 'pinned revision matches',
      obj: deploy({ replicas: 1, statusReplicas: 1, updated: 1, available: 1, revision: '4' }),
      revision: 4,
      message: 'deployment "weave-scope-app" successfully rolled out',
      done: true,
    },
    {
      name: 'pinned revision differs',
      obj: deploy({ replicas: 1, revision: '5' }),
      revision: 4,
      message: '',
      done: false,
      error: 'desired revision (4) is different from the running revision (5)',
    },
    {
      name: 'pinned revision, no annotation (revision 0)',
      obj: deploy({ replicas: 1 }),
      revision: 2,
      message: '',
      done: false,
      error: 'desired revision (2) is different from the running revision (0)',
    },
    {
      name: 'pinned revision, bad annotation',
      obj: deploy({ replicas: 1, revision: 'x1' }),
      revision: 2,
      message: '',
      done: false,
      error: 'cannot get the revision of deployment "weave-scope-app": strconv.ParseInt: parsing "x1": invalid syntax',
    },
  ];
  it.each(cases)('$name', ({ obj, revision, message, done, error }) => {
    const s = deploymentStatus(obj, revision);
    expect(s.message).toBe(message);
    expect(s.done).toBe(done);
    expect(s.error).toBe(error);
  });

  it('counts', () => {
    expect(deploymentStatus(deploy({ replicas: 3, updated: 2, available: 1, ready: 2 })).counts).toEqual({ desired: 3, updated: 2, available: 1, ready: 2 });
  });

  it('deploymentRevision parses like strconv.ParseInt', () => {
    expect(deploymentRevision(deploy({ revision: '12' }))).toEqual({ revision: 12 });
    expect(deploymentRevision(deploy({}))).toEqual({ revision: 0 });
    expect(deploymentRevision(deploy({ revision: '99999999999999999999' }))).toEqual({
      error: 'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    });
  });
});

describe('viewerKind (kubectl StatusViewerFor)', () => {
  it('picks the viewer by group and kind', () => {
    expect(viewerKind('apps/v1', 'DaemonSet')).toBe('DaemonSet');
    expect(viewerKind('extensions/v1beta1', 'DaemonSet')).toBe('DaemonSet');
    expect(viewerKind('apps/v1', 'Deployment')).toBe('Deployment');
    expect(viewerKind('extensions/v1beta1', 'Deployment')).toBe('Deployment');
  });
  it('refuses other kinds with kubectl text, exit 2', () => {
    let err: unknown;
    try {
      viewerKind('apps/v1', 'StatefulSet');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as WeavectlError).message).toBe('no status viewer has been implemented for StatefulSet.apps');
    expect((err as WeavectlError).exitCode).toBe(2);
    expect(() => viewerKind('v1', 'Pod')).toThrow('no status viewer has been implemented for Pod');
    expect(() => viewerKind('batch/v1', 'DaemonSet')).toThrow('no status viewer has been implemented for DaemonSet.batch');
  });
});
