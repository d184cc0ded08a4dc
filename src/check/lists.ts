/**
 * The two lists `weavectl check` runs: before an install (`--pre`: can weavectl install here, and
 * would Weave Net work) and after one (is the installed Weave Net healthy, and does it fit the
 * cluster). `weavectl install` runs the pre-install list. The checks are in ./categories/, one file
 * per category; the framework that runs them is ./framework.ts.
 *
 * Categories, in output order: kubernetes-api, kubernetes-version, then before an install
 * permissions, pod-network, ip-ranges, weave-net; after one weave-net, ipam, connections, encryption,
 * datapath (what weave says on every node), pod-network, ip-ranges.
 */
import type { Check } from './framework.js';
import { reachableCheck, versionCheck } from './categories/kubernetes.js';
import {
  daemonSetPermissionCheck,
  grantPermissionCheck,
  rbacPermissionCheck,
  readPermissionCheck,
  serviceAccountPermissionCheck,
} from './categories/permissions.js';
import { otherCniCheck } from './categories/pod-network.js';
import { kubeProxyRangeCheck, nodeRangeCheck, serviceRangeCheck } from './categories/ip-ranges.js';
import { existingWeaveCheck, installedCheck, managedCheck, passwordSecretCheck, podsReadyCheck, rangeChangeCheck } from './categories/weave-net.js';
import { mtuCheck, releaseFitsCheck, releaseMaintainedCheck } from './categories/release.js';
import { meshChecks } from './categories/mesh.js';

/** Before an install: can weavectl install here, and would Weave Net work. `weavectl install` runs these. */
export function preInstallChecks(): Check[] {
  return [
    reachableCheck,
    versionCheck,
    daemonSetPermissionCheck,
    serviceAccountPermissionCheck,
    rbacPermissionCheck,
    grantPermissionCheck,
    readPermissionCheck,
    otherCniCheck,
    nodeRangeCheck,
    serviceRangeCheck,
    kubeProxyRangeCheck,
    existingWeaveCheck,
    rangeChangeCheck,
    managedCheck,
  ];
}

/** After an install: is the installed Weave Net healthy, and does it fit the cluster. */
export function healthChecks(): Check[] {
  return [
    reachableCheck,
    versionCheck,
    installedCheck,
    podsReadyCheck,
    passwordSecretCheck,
    releaseMaintainedCheck,
    releaseFitsCheck,
    mtuCheck,
    managedCheck,
    rangeChangeCheck,
    ...meshChecks,
    otherCniCheck,
    nodeRangeCheck,
    serviceRangeCheck,
    kubeProxyRangeCheck,
  ];
}
