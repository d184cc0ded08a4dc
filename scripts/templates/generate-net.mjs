// Regenerates templates/net/ from the upstream reference manifests in test/fixtures/upstream/
// (byte copies of the files at the git tags; see SOURCES.md there), in RELEASE-ASSET form:
// what upstream's bin/release made of each tagged file, i.e. `s/:latest/:$VERSION/` on every line
// and every `imagePullPolicy: Always` line deleted. Nothing else is changed; a header comment
// names the source and the licence.
//
//   node scripts/templates/generate-net.mjs [path/to/upstream/manifests]
//
// The list below must match EMBEDDED in src/manifest/catalog.ts (test/manifest/templates.test.ts checks it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = resolve(process.argv[2] ?? join(root, 'test/fixtures/upstream'));

const TAGS = {
  weaveworks: {
    '1.9.8': 'a7ebe53cfa1e669ec3d660ee597f4884d79d7e02',
    '2.0.5': '276d0b621bd1a25d8a091b264f7f04d41ed81a58',
    '2.1.3': 'f670be431546e12a997bc3a71ac9ed238a6308ae',
    '2.4.1': '1fcd521f67fb4a53f0cbf9db4a77fc08ce797c80',
    '2.6.0': '4529d1587cae618602e84f5c40b5b7d2614355e5',
    '2.7.0': '30ce219794fc01269d48941943da738fb0689b51',
    '2.8.1': 'ba64f8e8eb1f4ba5cd85189a51a1312de984bade',
  },
  reweave: {
    '2.8.10': '84afe28bee99edb245c9d8c4aa9bc57cc1e79e59',
    '2.9.0': '8397222003c0d8ca2bebf0ac5c64448a4796dd18',
  },
};
const GITHUB = { weaveworks: 'weaveworks/weave', reweave: 'rajch/weave' };

const EMBED = [
  ['weaveworks', '1.9.8', ['1.5', '1.6']],
  ['weaveworks', '2.0.5', ['1.5', '1.6', '1.7']],
  ['weaveworks', '2.1.3', ['1.6', '1.7']],
  ['weaveworks', '2.4.1', ['1.7', '1.8']],
  ['weaveworks', '2.6.0', ['1.9', '1.11']],
  ['weaveworks', '2.7.0', ['1.6', '1.7', '1.11']],
  ['weaveworks', '2.8.1', ['1.8', '1.9', '1.11']],
  ['reweave', '2.8.10', ['1.11']],
  ['reweave', '2.9.0', ['1.11']],
];

const assetName = (f) => (f === '1.5' ? 'weave-daemonset.yaml' : `weave-daemonset-k8s-${f}.yaml`);
const refName = (repo, version, f) => `net-${version}${repo === 'reweave' ? '-reweave' : ''}-k8s-${f}.yaml`;

/** bin/release: sed -e 's/:latest/:$VERSION/' -e '/imagePullPolicy: Always/d' */
function releaseEdit(text, version) {
  return text
    .split('\n')
    .filter((line) => !/imagePullPolicy: Always/.test(line))
    .map((line) => line.replace(':latest', `:${version}`))
    .join('\n');
}

let n = 0;
for (const [repo, version, flavours] of EMBED) {
  for (const f of flavours) {
    const src = readFileSync(join(refDir, refName(repo, version, f)), 'utf8');
    const path = `prog/weave-kube/${assetName(f)}`;
    const header = [
      `# Weave Net ${version} manifest for ${f === '1.5' ? 'Kubernetes 1.5 and older' : f === '1.11' ? 'Kubernetes 1.11 and newer' : `Kubernetes ${f}`}, embedded in weavectl.`,
      `# Source: github.com/${GITHUB[repo]} tag v${version} (commit ${TAGS[repo][version]}), ${path}`,
      `# Licence: Apache License 2.0 (the LICENSE file of github.com/${GITHUB[repo]} at that tag).`,
      `# Release-asset form: as upstream's bin/release builds the release asset ${assetName(f)} from the tagged file:`,
      `# ':latest' image tags became ':${version}' and the 'imagePullPolicy: Always' lines were removed. Nothing else was changed.`,
      ...(version.startsWith('1.')
        ? [`# (These are the edits of bin/release at v2.0.5-v2.8.1; that the ${version} release made the same ones is assumed, not verified.)`]
        : []),
    ].join('\n');
    const out = `${header}\n${releaseEdit(src, version)}`;
    const dest = join(root, 'templates/net', repo, version, assetName(f));
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, out.endsWith('\n') ? out : `${out}\n`);
    n++;
  }
}
console.error(`wrote ${n} templates under templates/net/`);
