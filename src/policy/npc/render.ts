/** `iptables -L`-like text of a decoded report, each rule followed by what it means. Pure: no I/O. */
import type { NpcRule, NpcRulesReport } from './report.js';

/** One `iptables -L` line: target, prot, opt, source, destination, options. */
function lRow(target: string, prot: string, source: string, dest: string, options: string, opt = '--'): string {
  return `${target.padEnd(10)} ${prot.padEnd(4)} ${opt.padEnd(3)} ${source.padEnd(20)} ${dest.padEnd(20)} ${options}`.trimEnd();
}

function renderRule(r: NpcRule, out: string[]): void {
  const prot = r.protocol ? r.protocol.toLowerCase() : 'all';
  out.push(lRow(r.target, prot, r.source ?? 'anywhere', r.destination ?? 'anywhere', r.options));
  out.push(`           # ${r.summary}`);
  const shown = new Set<string>();
  for (const s of r.sets) {
    if (shown.has(s.name)) continue;
    shown.add(s.name);
    const dirs = r.sets.filter((x) => x.name === s.name).map((x) => `${x.negated ? '!' : ''}${x.direction}`);
    const what = s.description ?? 'unknown (no rule comment, and no policy or namespace given to recompute the name)';
    const check = s.source === 'comment' && s.verified === false ? ' [name does not match]' : '';
    let members = '';
    if (s.missing) members = ' = (set not found)';
    else if (s.members) members = s.members.length === 0 ? ' = (empty)' : ` = ${s.members.join(', ')}`;
    out.push(`           # ${s.name} (${dirs.join(', ')}): ${what}${check}${members}`);
  }
}

/** `iptables -L`-like text, each rule followed by what it means and what its sets hold. */
export function renderNpcRules(report: NpcRulesReport): string {
  const out: string[] = [];
  if (report.hooks.length > 0) {
    out.push('# how traffic reaches weave-npc');
    for (const h of report.hooks) {
      out.push(h.raw);
      out.push(`           # ${h.summary}`);
    }
    out.push('');
  }
  for (const c of report.chains) {
    out.push(`Chain ${c.name}${c.policy ? ` (policy ${c.policy})` : ''} (${c.rules.length} ${c.rules.length === 1 ? 'rule' : 'rules'})`);
    out.push(lRow('target', 'prot', 'source', 'destination', '', 'opt'));
    for (const r of c.rules) renderRule(r, out);
    out.push('');
  }
  if (report.isolation.length > 0) {
    out.push('# isolated pods (all pods of the namespace minus its default-allow set)');
    for (const i of report.isolation) {
      const parts: string[] = [];
      if (i.ingressIsolated) parts.push(`ingress: ${i.ingressIsolated.length ? i.ingressIsolated.join(', ') : 'none'}`);
      if (i.egressIsolated) parts.push(`egress: ${i.egressIsolated.length ? i.egressIsolated.join(', ') : 'none'}`);
      out.push(`${i.namespace}: ${parts.join('; ')}`);
    }
    out.push('');
  }
  if (report.missingChains.length > 0 && report.chains.length > 0 && !report.egress) {
    out.push('# no egress chains: this weave-npc predates egress policies (2.4)');
    out.push('');
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
