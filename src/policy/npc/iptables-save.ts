/** Parsing `iptables-save` output (the filter table) into chains and rules. Pure: no I/O. */
import { failure } from '../../errors.js';

/** Splits an iptables-save rule into arguments: double quotes group, backslash escapes inside them. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let tok = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
        i++; // closing quote
      } else {
        tok += c;
        i++;
      }
    }
    out.push(tok);
  }
  return out;
}

export interface SavedChain {
  name: string;
  /** ACCEPT/DROP for built-in chains, undefined ('-') for user chains. */
  policy?: string;
}

export interface SavedRule {
  chain: string;
  args: string[];
  raw: string;
}

export interface SavedTable {
  chains: SavedChain[];
  rules: SavedRule[];
}

/** The filter table of `iptables-save` output (bare `-A` lines without a table header are accepted too). */
export function parseIptablesSave(text: string): SavedTable {
  const chains: SavedChain[] = [];
  const rules: SavedRule[] = [];
  let table: string | undefined;
  let sawTable = false;
  for (const rawLine of text.split(/\r?\n/)) {
    // `iptables-save -c` puts packet/byte counters before each rule: "[12:720] -A ..."
    const line = rawLine.trim().replace(/^\[\d+:\d+\]\s+(?=-[AI] )/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      sawTable = true;
      continue;
    }
    if (line === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (sawTable && table !== 'filter') continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) chains.push({ name, ...(policy && policy !== '-' ? { policy } : {}) });
      continue;
    }
    if (line.startsWith('-A ') || line.startsWith('-I ')) {
      const args = splitArgs(line);
      const chain = args[1];
      if (!chain) continue;
      rules.push({ chain, args: args.slice(2), raw: line });
      continue;
    }
  }
  if (chains.length === 0 && rules.length === 0) {
    if (/^Chain \S+ \(/m.test(text)) {
      throw failure('this looks like `iptables -L` output; weavectl reads `iptables-save` output (run iptables-save -t filter)');
    }
    throw failure('no iptables rules found in the input (expected the output of iptables-save)');
  }
  return { chains, rules };
}
