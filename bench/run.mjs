// `npm run bench [-- NAME...]`: runs the benchmarks (all by default) and exits 1 if a target is missed.
const all = {
  'cold-start': () => import('./cold-start.mjs'),
  'policy-matrix': () => import('./policy-matrix.mjs'),
  cluster: () => import('./cluster.mjs'),
  status: () => import('./status.mjs'),
  sysdump: () => import('./sysdump.mjs'),
  connectivity: () => import('./connectivity.mjs'),
};
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(all);
let ok = true;
for (const name of wanted) {
  const load = all[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
  ok = (await (await load()).run()) && ok;
}
process.exit(ok ? 0 : 1);
