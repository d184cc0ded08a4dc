import { describe, expect, it } from 'vitest';
import { daemonSetPermissionCheck, grantPermissionCheck, rbacPermissionCheck, readPermissionCheck, serviceAccountPermissionCheck } from '../../../src/check/categories/permissions.js';
import { httpError } from '../../fakes/memory-cluster.js';
import { kubeadm, run } from '../helpers.js';

describe('permissions', () => {
  it('all allowed: ok; SSARs ask the namespace and the DaemonSet group of the flavour', async () => {
    const c = kubeadm();
    c.reportedVersion = 'v1.7.5';
    expect(await run(daemonSetPermissionCheck, c)).toEqual({ status: 'ok' });
    expect(c.reviews.map((r) => `${r.verb} ${r.group}/${r.resource} ${r.namespace}`)).toEqual([
      'create extensions/daemonsets kube-system',
      'get extensions/daemonsets kube-system',
      'patch extensions/daemonsets kube-system',
      'list extensions/daemonsets kube-system',
      'watch extensions/daemonsets kube-system',
    ]);
    c.reviews = [];
    c.reportedVersion = 'v1.29.2';
    await run(daemonSetPermissionCheck, c, { namespace: 'weave' });
    expect(c.reviews[0]).toMatchObject({ group: 'apps', namespace: 'weave' });
  });

  it('each missing permission is named', async () => {
    const c = kubeadm();
    c.reviewDenies.push({ verb: 'create', resource: 'clusterrolebindings' }, { verb: 'patch', resource: 'roles' });
    const r = await run(rbacPermissionCheck, c);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('missing: create clusterrolebindings.rbac.authorization.k8s.io (cluster-wide); patch roles.rbac.authorization.k8s.io in kube-system');
    expect(r.hint).toMatch(/cluster-admin/);
    c.reviewDenies = [{ resource: 'serviceaccounts' }];
    expect((await run(serviceAccountPermissionCheck, c)).message).toBe('missing: create serviceaccounts, get serviceaccounts, patch serviceaccounts in kube-system');
    c.reviewDenies = [{ verb: 'list', resource: 'nodes' }];
    expect((await run(readPermissionCheck, c)).message).toBe('missing: list nodes (cluster-wide)');
  });

  it('no answer from the server, or SSARs not served: warn; SSARs forbidden: fail (this user may not even ask)', async () => {
    const c = kubeadm();
    c.reviewAnswer = (o) => o;
    expect((await run(serviceAccountPermissionCheck, c)).status).toBe('warn');
    c.reviewAnswer = () => {
      throw httpError(404, 'the server could not find the requested resource');
    };
    expect(await run(serviceAccountPermissionCheck, c)).toMatchObject({ status: 'warn', message: expect.stringMatching(/^could not ask the API server \(SelfSubjectAccessReview\): the server could not/) });
    c.reviewAnswer = () => {
      throw httpError(403, 'selfsubjectaccessreviews.authorization.k8s.io is forbidden');
    };
    const r = await run(grantPermissionCheck, c);
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/^the API server does not even let this user ask what it may do \(SelfSubjectAccessReview: selfsub/) });
  });

  it('RBAC checks are skipped before 1.6', async () => {
    const c = kubeadm();
    c.reportedVersion = 'v1.5.8';
    expect((await run(rbacPermissionCheck, c)).status).toBe('skip');
    expect((await run(grantPermissionCheck, c)).status).toBe('skip');
  });

  it('granting: escalate+bind is enough; otherwise every permission of the roles is needed', async () => {
    const c = kubeadm();
    expect(await run(grantPermissionCheck, c)).toEqual({ status: 'ok' });
    c.reviewDenies.push({ verb: 'escalate' }, { verb: 'patch', resource: 'nodes/status' });
    const r = await run(grantPermissionCheck, c);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/you lack: patch nodes\/status \(cluster-wide\)$/);
    c.reviewDenies = [{ verb: 'bind' }];
    expect(await run(grantPermissionCheck, c)).toEqual({ status: 'ok' }); // holds every permission itself
  });
});
