import { describe, expect, it } from 'vitest';
import { existingWeaveCheck, installedCheck, managedCheck, podsReadyCheck, rangeChangeCheck } from '../../../src/check/categories/weave-net.js';
import { daemonSet, weaveNet } from '../fake.js';
import { kubeadm, run } from '../helpers.js';

describe('weave-net', () => {
  it('existing: none, kept settings, settings that cannot be kept', async () => {
    expect(await run(existingWeaveCheck, kubeadm())).toEqual({ status: 'ok', message: 'Weave Net is not installed in kube-system: install creates it' });
    const withRange = kubeadm().add(weaveNet({ version: '2.0.5', env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }, { name: 'WEAVE_MTU', value: '8916' }] }));
    expect(await run(existingWeaveCheck, withRange)).toEqual({ status: 'ok', message: 'Weave Net 2.0.5 runs in kube-system; an upgrade keeps IPALLOC_RANGE=172.25.64.0/18, WEAVE_MTU=8916' });
    const literal = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_PASSWORD', value: 'x' }] }));
    const r = await run(existingWeaveCheck, literal);
    expect(r.status).toBe('warn');
    expect(r.hint).toMatch(/--password-secret/);
    const fromField = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }] }));
    expect((await run(existingWeaveCheck, fromField)).message).toMatch(/an upgrade keeps env WEAVE_EXPOSE_IP from fieldRef status.hostIP/);
    const mtuFromConfigMap = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_MTU', valueFrom: { configMapKeyRef: { name: 'net', key: 'mtu' } } }] }));
    expect((await run(existingWeaveCheck, mtuFromConfigMap)).message).toMatch(/but not: env WEAVE_MTU from configMapKeyRef net\/mtu/);
    const notWeave = kubeadm().add(daemonSet('kube-system', 'weave-net'));
    expect((await run(existingWeaveCheck, notWeave)).status).toBe('fail');
  });

  it('range change: ok when kept, fail when changed, warn when allowed', async () => {
    const c = () => kubeadm().add(weaveNet({ env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] }));
    expect(await run(rangeChangeCheck, c())).toEqual({ status: 'ok', message: 'install keeps the running range (no --ipalloc)' });
    expect(await run(rangeChangeCheck, c(), { ipalloc: '172.25.64.0/18' })).toEqual({ status: 'ok', message: '--ipalloc 172.25.64.0/18 is the running range' });
    const r = await run(rangeChangeCheck, c(), { ipalloc: '10.32.0.0/12' });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/weave#2874/);
    expect(r.hint).toMatch(/--allow-range-change/);
    expect((await run(rangeChangeCheck, c(), { ipalloc: '10.32.0.0/12', allowRangeChange: true })).status).toBe('warn');
    expect((await run(rangeChangeCheck, kubeadm(), { ipalloc: '10.32.0.0/12' })).status).toBe('ok');
  });

  it('managed by kops or the addon manager: warn', async () => {
    expect(await run(managedCheck, kubeadm().add(weaveNet()))).toEqual({ status: 'ok' });
    const kops = await run(managedCheck, kubeadm().add(weaveNet({ labels: { name: 'weave-net', 'k8s-addon': 'networking.weave' } })));
    expect(kops.status).toBe('warn');
    expect(kops.message).toBe("DaemonSet kube-system/weave-net is managed by kops (label k8s-addon=networking.weave): it re-applies its own manifest and will undo weavectl's changes");
    expect(kops.hint).toMatch(/kops edit cluster/);
    const ensure = await run(managedCheck, kubeadm().add(weaveNet({ labels: { name: 'weave-net', 'addonmanager.kubernetes.io/mode': 'EnsureExists' } })));
    expect(ensure.status).toBe('ok');
  });

  it('installed and pods ready', async () => {
    expect((await run(installedCheck, kubeadm())).status).toBe('fail');
    expect(await run(installedCheck, kubeadm().add(weaveNet({ version: '2.7.0' })))).toEqual({ status: 'ok', message: 'Weave Net 2.7.0' });
    expect((await run(podsReadyCheck, kubeadm())).status).toBe('skip');
    expect(await run(podsReadyCheck, kubeadm().add(weaveNet()))).toEqual({ status: 'ok', message: '3 of 3 ready' });

    const crashing = kubeadm().add(weaveNet({ status: { desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3 } }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'weave-net-abcde', namespace: 'kube-system', labels: { name: 'weave-net' } },
      spec: { nodeName: 'w1' },
      status: { containerStatuses: [{ name: 'weave', restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } }] },
    });
    const notReady = kubeadm().add(weaveNet({ status: { desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3 } }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'weave-net-xyz', namespace: 'kube-system', labels: { name: 'weave-net' } },
      spec: { nodeName: 'w2' },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'weave', ready: false, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
          { name: 'weave-npc', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    expect(await run(podsReadyCheck, notReady)).toEqual({
      status: 'fail',
      message: '2 of 3 ready: pod kube-system/weave-net-xyz on w2: container weave: running, not ready (1 restart, last exit code 1 (Error))',
      hint: 'kubectl -n kube-system get pods -l name=weave-net -o wide',
    });

    const r = await run(podsReadyCheck, crashing);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^2 of 3 ready: pod kube-system\/weave-net-abcde on w1: container weave: CrashLoopBackOff \(5 restarts\)/);
    expect(r.hint).toBe('see why it exits: kubectl -n kube-system logs weave-net-abcde -c weave --previous');
  });
});
