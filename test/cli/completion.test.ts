/**
 * `weavectl completion bash` in real bash: the script registers a completion function
 * (`complete -p weavectl`), and that function, driven by COMP_WORDS/COMP_CWORD as bash drives it
 * on TAB, answers subcommands, flags, values of -o and the kubeconfig's contexts and namespaces.
 * zsh and fish are checked for their shape (and by the shell itself where it is installed).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, runCli } from './run-cli.js';

let dir: string;
let script: string;
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: 'https://127.0.0.1:1'}
users:
- name: u1
  user: {token: t}
contexts:
- name: prod-eu
  context: {cluster: c1, user: u1, namespace: payments}
- name: staging
  context: {cluster: c1, user: u1}
current-context: staging
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weavectl-completion-'));
  // weavectl on PATH, as after `npm install -g`
  writeFileSync(join(dir, 'weavectl'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(dir, 'weavectl'), 0o755);
  writeFileSync(join(dir, 'kubeconfig'), KUBECONFIG);
  const r = await runCli(['completion', 'bash']);
  expect(r.code, r.stderr).toBe(0);
  script = join(dir, 'weavectl.bash');
  writeFileSync(script, r.stdout);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What bash offers for the command line `words` (the last word is the one being completed). */
function tab(words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  const body = `source '${script}'
COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; COMPREPLY=()
fn=$(complete -p weavectl | sed -E 's/.* -F ([^ ]+) .*/\\1/')
"$fn" weavectl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', body], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}`, KUBECONFIG: join(dir, 'kubeconfig'), HOME: dir },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('weavectl completion bash, in bash', () => {
  it('registers a function for weavectl (complete -p)', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${script}'; complete -p weavectl`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('complete -o default -F __weavectl_complete weavectl');
  });

  it('completes commands, subcommands and flags', () => {
    expect(tab(['weavectl', ''])).toEqual(expect.arrayContaining(['install', 'scope', 'status', 'uninstall', 'policy', 'version', 'completion', 'options']));
    expect(tab(['weavectl', 'ro'])).toEqual(['rollout-status']);
    expect(tab(['weavectl', 'policy', ''])).toEqual(['isolate', 'allow', 'list', 'explain']);
    expect(tab(['weavectl', 'install', '--ip'])).toEqual(['--ipalloc']);
    // a global flag before the command, and the command's own flags with the global ones
    expect(tab(['weavectl', '-n', 'kube-system', 'uninstall', '--'])).toEqual(expect.arrayContaining(['--scope', '--yes', '--wait', '--kubeconfig', '--context']));
    expect(tab(['weavectl', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes the values of -o and --dry-run, and --context and -n from the kubeconfig', () => {
    expect(tab(['weavectl', 'status', '-o', ''])).toEqual(['json', 'yaml', 'name']);
    expect(tab(['weavectl', 'install', '--dry-run', 's'])).toEqual(['server']);
    expect(tab(['weavectl', '--context', ''])).toEqual(['prod-eu', 'staging']);
    expect(tab(['weavectl', 'status', '-n', ''])).toEqual(['kube-system', 'weave', 'default', 'payments']);
    expect(tab(['weavectl', 'status', '-n', 'pa'])).toEqual(['payments']);
  });
});

describe('weavectl completion zsh|fish', () => {
  it('prints a script for each that calls back into weavectl __complete', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef weavectl\n/);
    expect(zsh.stdout).toContain('compdef __weavectl_complete weavectl');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c weavectl -f -a '(__weavectl_complete)'");
    for (const shell of ['zsh', 'fish']) {
      const has = spawnSync(shell, ['-c', 'true']).status === 0;
      if (!has) continue;
      const r = spawnSync(shell, ['-n'], { input: shell === 'zsh' ? zsh.stdout : fish.stdout, encoding: 'utf8' });
      expect(r.status, `${shell} -n: ${r.stderr}`).toBe(0);
    }
  });
});
