import { describe, expect, it } from 'vitest';
import { reachableCheck, versionCheck } from '../../../src/check/categories/kubernetes.js';
import { kubeadm, run } from '../helpers.js';

describe('kubernetes-api and version', () => {
  it('reachable: ok, or a fatal failure with the error and a hint', async () => {
    expect(await run(reachableCheck, kubeadm())).toEqual({ status: 'ok' });
    const c = kubeadm();
    c.unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { hint: 'is the API server running?' });
    expect(await run(reachableCheck, c)).toEqual({ status: 'fail', message: 'connect ECONNREFUSED 127.0.0.1:6443', hint: 'is the API server running?' });
    expect(reachableCheck.fatal).toBe(true);
  });

  it('version: ok with the flavour; warn before 1.6 (no RBAC)', async () => {
    const c = kubeadm();
    c.reportedVersion = 'v1.7.5';
    expect(await run(versionCheck, c)).toEqual({ status: 'ok', message: 'Kubernetes v1.7.5: Weave Net 2.7.0 manifest for Kubernetes 1.7' });
    c.reportedVersion = 'v1.29.2';
    expect((await run(versionCheck, c)).message).toBe('Kubernetes v1.29.2: Weave Net 2.8.1 manifest for Kubernetes 1.11 and newer');
    c.reportedVersion = 'v1.5.8';
    const r = await run(versionCheck, c);
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^Kubernetes v1.5.8 has no RBAC: weavectl renders the manifest for Kubernetes 1.5 and older/);
  });
});
