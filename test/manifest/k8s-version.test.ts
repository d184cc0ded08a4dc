import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { compareK8s, formatMinor, k8s, parseK8sVersion, versionFromServer, type K8sVersion } from '../../src/manifest/k8s-version.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

// What `kubectl version` printed before 1.28 (here: kubectl 1.7.5 against GKE 1.7.5-gke.1).
const OLD_FORMAT =
  'Client Version: version.Info{Major:"1", Minor:"7", GitVersion:"v1.7.5", GitCommit:"17d7182a7ccbb167074be7a87f0a68bd00d58d97", GitTreeState:"clean", BuildDate:"2017-08-31T09:14:02Z", GoVersion:"go1.8.3", Compiler:"gc", Platform:"darwin/amd64"}\n' +
  'Server Version: version.Info{Major:"1", Minor:"7+", GitVersion:"v1.7.5-gke.1", GitCommit:"2f3e7c2a4c1bf4d2e4f6b0a2c0f0b1f5d3e2c1a0", GitTreeState:"clean", BuildDate:"2017-09-08T18:13:19Z", GoVersion:"go1.8.3", Compiler:"gc", Platform:"linux/amd64"}\n';

// The old format when the server cannot be reached: client only.
const OLD_CLIENT_ONLY =
  'Client Version: version.Info{Major:"1", Minor:"10", GitVersion:"v1.10.3", GitCommit:"2bba0127d85d5a46ab4b778548be28623b32d0b0", GitTreeState:"clean", BuildDate:"2018-05-21T09:17:39Z", GoVersion:"go1.9.3", Compiler:"gc", Platform:"linux/amd64"}\n' +
  'The connection to the server localhost:8080 was refused - did you specify the right host or port?\n';

// The old format from a dev build whose GitVersion is not a version: Major/Minor are used.
const OLD_DEV_SERVER =
  'Client Version: version.Info{Major:"1", Minor:"14", GitVersion:"v1.14.0", GitCommit:"x", GitTreeState:"clean"}\n' +
  'Server Version: version.Info{Major:"1", Minor:"13+", GitVersion:"v0.0.0-master+$Format:%h$", GitCommit:"$Format:%H$", GitTreeState:""}\n';

// kubectl 1.28+.
const NEW_FORMAT = 'Client Version: v1.29.0\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\nServer Version: v1.29.2\n';
const NEW_K3S = 'Client Version: v1.30.1\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\nServer Version: v1.27.3+k3s1\n';
const NEW_SKEW_WARNING =
  'Client Version: v1.31.0\nKustomize Version: v5.4.2\nServer Version: v1.27.16-eks-a18cd3a\nWARNING: version difference between client (1.31) and server (1.27) exceeds the supported minor version skew of +/-1\n';
const NEW_CLIENT_ONLY = 'Client Version: v1.29.0\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n';

const JSON_FORMAT = JSON.stringify({
  clientVersion: { major: '1', minor: '29', gitVersion: 'v1.29.0' },
  kustomizeVersion: 'v5.0.4',
  serverVersion: { major: '1', minor: '25+', gitVersion: 'v1.25.16-eks-8cb36c9' },
});

const accepted: [string, string, K8sVersion][] = [
  ['1.7.5', '1.7.5', k8s(1, 7, 5)],
  ['v1.7.5', 'v1.7.5', k8s(1, 7, 5)],
  ['1.29', '1.29', k8s(1, 29)],
  ['v1.29', 'v1.29', k8s(1, 29)],
  ['gke suffix', 'v1.10.0-gke.1', k8s(1, 10, 0)],
  ['k3s build', 'v1.27.3+k3s1', k8s(1, 27, 3)],
  ['eks suffix', 'v1.27.3-eks-a5565ad', k8s(1, 27, 3)],
  ['surrounding blanks', '  1.34.1\n', k8s(1, 34, 1)],
  ['1.0', '1.0', k8s(1, 0)],
  ['base64 old format: server wins', b64(OLD_FORMAT), k8s(1, 7, 5)],
  ['base64 old format, client only', b64(OLD_CLIENT_ONLY), k8s(1, 10, 3)],
  ['base64 old format, dev server', b64(OLD_DEV_SERVER), k8s(1, 13)],
  ['base64 new format: server wins', b64(NEW_FORMAT), k8s(1, 29, 2)],
  ['base64 new format, k3s server', b64(NEW_K3S), k8s(1, 27, 3)],
  ['base64 new format with skew warning', b64(NEW_SKEW_WARNING), k8s(1, 27, 16)],
  ['base64 new format, client only', b64(NEW_CLIENT_ONLY), k8s(1, 29, 0)],
  ['base64 of kubectl version -o json', b64(JSON_FORMAT), k8s(1, 25, 16)],
  ['base64 wrapped at 76 columns (no tr -d)', b64(NEW_FORMAT).replace(/(.{76})/g, '$1\n'), k8s(1, 29, 2)],
  ['URL-safe base64', b64(OLD_FORMAT).replace(/\+/g, '-').replace(/\//g, '_'), k8s(1, 7, 5)],
  ['percent-encoded base64 (copied from a URL)', encodeURIComponent(b64(NEW_FORMAT)), k8s(1, 29, 2)],
  ['kubectl version text pasted as is', NEW_FORMAT, k8s(1, 29, 2)],
];

describe('parseK8sVersion accepts', () => {
  it.each(accepted)('%s', (_name, input, want) => {
    expect(parseK8sVersion(input)).toEqual(want);
  });

  it('normalises text to v1.7.5 / v1.29 and drops build suffixes', () => {
    expect(parseK8sVersion('1.7.5').text).toBe('v1.7.5');
    expect(parseK8sVersion('1.29').text).toBe('v1.29');
    expect(parseK8sVersion('v1.10.0-gke.1').text).toBe('v1.10.0');
    expect(parseK8sVersion(b64(OLD_FORMAT)).text).toBe('v1.7.5');
    expect(parseK8sVersion('1.29').patch).toBeUndefined();
  });

  it('takes the SERVER version even when the client line comes later', () => {
    const reversed = 'Server Version: v1.8.15\nClient Version: v1.29.0\n';
    expect(parseK8sVersion(b64(reversed))).toEqual(k8s(1, 8, 15));
  });
});

const rejected: [string, string, RegExp][] = [
  ['empty', '', /^empty Kubernetes version: expected/],
  ['blank', '   ', /^empty Kubernetes version/],
  ['major only', '1', /^invalid Kubernetes version "1": expected a Kubernetes version such as 1\.29, v1\.7\.5/],
  ['major 2', '2.0', /^invalid Kubernetes version "2\.0": Kubernetes has no major version 2/],
  ['wildcard minor', '1.x', /^invalid Kubernetes version "1\.x"/],
  ['trailing dot', '1.29.', /^invalid Kubernetes version "1\.29\."/],
  ['four parts', '1.2.3.4', /^invalid Kubernetes version "1\.2\.3\.4"/],
  ['leading zero', '1.07', /^invalid Kubernetes version "1\.07"/],
  ['garbage', 'garbage', /^invalid Kubernetes version "garbage"/],
  ['words', 'latest stable', /^invalid Kubernetes version "latest stable"/],
  ['base64 of garbage text', b64('hello world, this is not kubectl'), /does not hold 'kubectl version' output/],
  ['base64 of binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81, 0x82, 0x83, 0x84]).toString('base64'), /^invalid Kubernetes version/],
  ['base64 of a broken server line', b64('Client Version: v1.29.0\nServer Version: banana\n'), /does not hold 'kubectl version' output/],
  ['base64 of a server on major 2', b64('Server Version: v2.1.0\n'), /does not hold 'kubectl version' output/],
  ['version text without a version', 'Client Version: unknown', /^no Kubernetes version found in/],
];

describe('parseK8sVersion rejects', () => {
  it.each(rejected)('%s', (_name, input, message) => {
    let err: unknown;
    try {
      parseK8sVersion(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeavectlError);
    const w = err as WeavectlError;
    expect(w.exitCode).toBe(2);
    expect(w.message).toMatch(message);
    expect(w.message).not.toContain('\n');
  });

  it('shows a long input shortened, on one line', () => {
    const long = b64('x'.repeat(500));
    try {
      parseK8sVersion(long);
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg.length).toBeLessThan(220);
      expect(msg).toContain('...');
      expect(msg).toContain("the base64 of 'kubectl version' output");
    }
  });
});

describe('versionFromServer', () => {
  it('uses gitVersion', () => {
    expect(versionFromServer({ major: '1', minor: '7+', gitVersion: 'v1.7.5-gke.1' })).toEqual(k8s(1, 7, 5));
    expect(versionFromServer({ major: '1', minor: '29', gitVersion: 'v1.29.2' })).toEqual(k8s(1, 29, 2));
  });

  it('falls back to major/minor, stripping the + of "7+"', () => {
    expect(versionFromServer({ major: '1', minor: '7+', gitVersion: 'v0.0.0-master+$Format:%h$' })).toEqual(k8s(1, 7));
    expect(versionFromServer({ major: '1', minor: '30+' })).toEqual(k8s(1, 30));
  });

  it('fails (exit 1) on an unreadable response', () => {
    for (const bad of [{}, { major: '', minor: '' }, { major: '1', minor: 'x' }, { major: '2', minor: '0' }]) {
      try {
        versionFromServer(bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(WeavectlError);
        expect((e as WeavectlError).exitCode).toBe(1);
        expect((e as Error).message).toMatch(/^the cluster reported a version weavectl cannot read/);
      }
    }
  });
});

describe('compareK8s and formatMinor', () => {
  it('orders by major, minor, patch; a missing patch is .0', () => {
    expect(compareK8s(k8s(1, 7, 5), k8s(1, 10, 0))).toBeLessThan(0);
    expect(compareK8s(k8s(1, 10), k8s(1, 9, 11))).toBeGreaterThan(0);
    expect(compareK8s(k8s(1, 29), k8s(1, 29, 0))).toBe(0);
    expect(compareK8s(k8s(1, 29, 3), k8s(1, 29, 2))).toBeGreaterThan(0);
    const sorted = ['1.10.0', '1.9.11', '1.29', '1.7.5', '1.29.1'].map(parseK8sVersion).sort(compareK8s).map((v) => v.text);
    expect(sorted).toEqual(['v1.7.5', 'v1.9.11', 'v1.10.0', 'v1.29', 'v1.29.1']);
  });

  it('formats the minor line', () => {
    expect(formatMinor(parseK8sVersion('v1.7.5-gke.1'))).toBe('1.7');
    expect(formatMinor(parseK8sVersion('1.29'))).toBe('1.29');
  });
});
