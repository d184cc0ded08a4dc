/** What keeps passwords and tokens out of a sysdump (src/sysdump/redact.ts). */
import { describe, expect, it } from 'vitest';
import { passwordSources, REDACTED_VALUE, Scrubber } from '../../src/sysdump/redact.js';

const PW = 'Sw0rdf1sh"pass';

describe('Scrubber', () => {
  const s = new Scrubber([PW, 'abc']);

  it('replaces a known password, also JSON-escaped and inside an annotation that is itself JSON', () => {
    expect(s.text(`weave: using ${PW} now`)).toBe(`weave: using ${REDACTED_VALUE} now`);
    const obj = { env: [{ name: 'X', value: PW }] };
    const once = JSON.stringify(obj);
    const twice = JSON.stringify({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': once } });
    for (const text of [once, twice]) {
      expect(s.text(text)).not.toContain('Sw0rdf1sh');
      expect(s.text(text)).toContain(REDACTED_VALUE);
    }
  });

  it('replaces what follows the password and token flags and keys, not weave’s IPAM "Token"', () => {
    expect(s.text('launch --password=hunter22 --token abcdef --nickname n1')).toBe(`launch --password=${REDACTED_VALUE} --token ${REDACTED_VALUE} --nickname n1`);
    expect(s.text('WEAVE_PASSWORD=hunter22\npassword: "hunter22"\ntoken=xyz')).toBe(`WEAVE_PASSWORD=${REDACTED_VALUE}\npassword: "${REDACTED_VALUE}"\ntoken=${REDACTED_VALUE}`);
    expect(s.text('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc')).toBe(`Authorization: Bearer ${REDACTED_VALUE}`);
    const ring = '{"Token": "10.32.0.0", "Size": 1024}';
    expect(s.text(ring)).toBe(ring);
    expect(s.text('password: <redacted>')).toBe('password: <redacted>');
    // too short to replace by value: "abc" stays in ordinary words
    expect(s.text('abcdef')).toBe('abcdef');
  });

  it('finds a password split across streamed pieces, at any split point, and on a very long line', () => {
    const text = `line one\nthe password is ${PW} here\nlast`;
    for (let cut = 1; cut < text.length; cut++) {
      const st = s.stream();
      const out = st.push(text.slice(0, cut)) + st.push(text.slice(cut)) + st.end();
      expect(out).toBe(s.text(text));
    }
    const long = `${'x'.repeat(1_500_000)}${PW}${'y'.repeat(10)}`;
    for (const cut of [1_048_000, 1_500_005, 1_500_000 + PW.length]) {
      const st = s.stream();
      const out = st.push(long.slice(0, cut)) + st.push(long.slice(cut)) + st.end();
      expect(out).not.toContain('Sw0rdf1sh');
      expect(out.length).toBe(long.length - PW.length + REDACTED_VALUE.length);
    }
  });
});

describe('passwordSources', () => {
  it('finds literal passwords and Secret references in DaemonSet templates and pods', () => {
    const ds = { spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } } }] }] } } } };
    const pod = { spec: { containers: [{ name: 'weave', env: [{ name: 'WEAVE_PASSWORD', value: PW }, { name: 'OTHER', value: 'x' }] }] } };
    const r = passwordSources([ds, pod]);
    expect([...r.literals]).toEqual([PW]);
    expect([...r.secretRefs.values()]).toEqual([{ name: 'weave-passwd', key: 'weave-passwd' }]);
  });
});
