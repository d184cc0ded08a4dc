/**
 * The matches and target of one iptables-save rule (`-A CHAIN <args>`), and their `iptables -L`
 * option text. Pure: no I/O.
 */

/** An ipset a rule matches: `-m set [!] --match-set NAME src|dst`. */
export interface RuleSetMatch {
  name: string;
  direction: 'src' | 'dst';
  negated: boolean;
}

/** The target and the matches of a rule that `weavectl npc rules` reports as parsed (NpcRule in report.ts). */
export interface RuleMatches {
  target: string;
  targetArgs: string[];
  protocol?: string;
  source?: string;
  destination?: string;
  inInterface?: string;
  outInterface?: string;
  dport?: string;
  state?: string;
  comment?: string;
}

export interface ParsedRule extends RuleMatches {
  sets: RuleSetMatch[];
  mark?: string;
  physdev: string[];
  dstType?: string;
  options: string[];
}

export function parseRuleArgs(args: string[]): ParsedRule {
  const p: ParsedRule = { target: '', targetArgs: [], sets: [], physdev: [], options: [] };
  let neg = false;
  let i = 0;
  const bang = () => (neg ? '! ' : '');
  while (i < args.length) {
    const a = args[i]!;
    if (a === '!') {
      neg = true;
      i++;
      continue;
    }
    const val = args[i + 1];
    switch (a) {
      case '-j':
      case '-g':
        p.target = val ?? '';
        p.targetArgs = args.slice(i + 2);
        i = args.length;
        continue;
      case '-s':
        p.source = `${bang()}${val}`;
        i += 2;
        break;
      case '-d':
        p.destination = `${bang()}${val}`;
        i += 2;
        break;
      case '-i':
        p.inInterface = `${bang()}${val}`;
        p.options.push(`${bang()}in ${val}`);
        i += 2;
        break;
      case '-o':
        p.outInterface = `${bang()}${val}`;
        p.options.push(`${bang()}out ${val}`);
        i += 2;
        break;
      case '-p':
        p.protocol = `${bang()}${val}`;
        i += 2;
        break;
      case '-m':
        i += 2; // the module name; its options follow
        break;
      case '--state':
        p.state = val;
        p.options.push(`${bang()}state ${val}`);
        i += 2;
        break;
      case '--ctstate':
        p.state = val;
        p.options.push(`ctstate ${bang()}${val}`);
        i += 2;
        break;
      case '--match-set': {
        const dir = (args[i + 2] ?? 'src') as 'src' | 'dst';
        p.sets.push({ name: val ?? '', direction: dir === 'dst' ? 'dst' : 'src', negated: neg });
        p.options.push(`${bang()}match-set ${val} ${dir}`);
        i += 3;
        break;
      }
      case '--comment':
        p.comment = val;
        p.options.push(`/* ${val} */`);
        i += 2;
        break;
      case '--dport':
      case '--dports':
        p.dport = val;
        p.options.push(`${p.protocol?.replace(/^! /, '') ?? ''} ${val?.includes(':') ? 'dpts' : 'dpt'}:${bang()}${val}`.trim());
        i += 2;
        break;
      case '--mark':
        p.mark = `${bang()}${val}`;
        p.options.push(`mark match ${bang()}${val}`);
        i += 2;
        break;
      case '--physdev-in':
      case '--physdev-out':
      case '--physdev-is-bridged': {
        const text = a === '--physdev-is-bridged' ? `${bang()}${a}` : `${bang()}${a} ${val}`;
        p.physdev.push(text);
        // one "PHYSDEV match" for all the physdev options of the rule, as iptables -L prints them
        const last = p.options.length - 1;
        if (last >= 0 && p.options[last]!.startsWith('PHYSDEV match ')) p.options[last] += ` ${text}`;
        else p.options.push(`PHYSDEV match ${text}`);
        i += a === '--physdev-is-bridged' ? 1 : 2;
        break;
      }
      case '--dst-type':
      case '--src-type':
        if (a === '--dst-type') p.dstType = `${bang()}${val}`;
        p.options.push(`ADDRTYPE match ${a.slice(2)} ${bang()}${val}`);
        i += 2;
        break;
      default:
        if (a.startsWith('-') && val !== undefined && !val.startsWith('-')) {
          p.options.push(`${bang()}${a} ${val}`);
          i += 2;
        } else {
          p.options.push(`${bang()}${a}`);
          i += 1;
        }
    }
    neg = false;
  }
  return p;
}

/** The target's options as `iptables -L` prints them. */
export function targetOptions(p: ParsedRule): string[] {
  if (p.targetArgs.length === 0) return [];
  if (p.target === 'MARK' && p.targetArgs[0] === '--set-xmark') return [`MARK xset ${p.targetArgs[1] ?? ''}`];
  if (p.target === 'NFLOG' && p.targetArgs[0] === '--nflog-group') return [`nflog-group ${p.targetArgs[1] ?? ''}`];
  return [p.targetArgs.join(' ')];
}
