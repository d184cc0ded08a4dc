/** Parsing `ipset list` and `ipset save` output into sets and their members. Pure: no I/O. */
import { failure } from '../../errors.js';

export interface IpsetMember {
  entry: string;
  comment?: string;
}

export interface Ipset {
  name: string;
  type?: string;
  header?: string;
  members: IpsetMember[];
}

function memberOf(text: string): IpsetMember {
  const m = /^(\S+)(.*)$/.exec(text.trim());
  if (!m) return { entry: text.trim() };
  const c = /\bcomment "((?:[^"\\]|\\.)*)"/.exec(m[2]!);
  return c ? { entry: m[1]!, comment: c[1]!.replace(/\\(.)/g, '$1') } : { entry: m[1]! };
}

/** `ipset list` (Name:/Type:/.../Members:) or `ipset save` (create/add) output, by set name. */
export function parseIpsetList(text: string): Map<string, Ipset> {
  const sets = new Map<string, Ipset>();
  let cur: Ipset | undefined;
  let inMembers = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') {
      inMembers = false;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^Name:\s*(\S+)/.exec(line))) {
      cur = { name: m[1]!, members: [] };
      sets.set(cur.name, cur);
      inMembers = false;
      continue;
    }
    if ((m = /^create\s+(\S+)\s+(\S+)(.*)$/.exec(line))) {
      const s: Ipset = { name: m[1]!, type: m[2]!, header: m[3]!.trim(), members: [] };
      sets.set(s.name, s);
      cur = undefined;
      continue;
    }
    if ((m = /^add\s+(\S+)\s+(.*)$/.exec(line))) {
      let s = sets.get(m[1]!);
      if (!s) sets.set(m[1]!, (s = { name: m[1]!, members: [] }));
      s.members.push(memberOf(m[2]!));
      continue;
    }
    if (!cur) continue;
    if (inMembers) {
      cur.members.push(memberOf(line));
      continue;
    }
    if ((m = /^Type:\s*(\S+)/.exec(line))) cur.type = m[1]!;
    else if ((m = /^Header:\s*(.*)$/.exec(line))) cur.header = m[1]!;
    else if (/^Members:/.test(line)) inMembers = true;
  }
  if (sets.size === 0 && text.trim() !== '') {
    throw failure('no ipsets found in the input (expected the output of `ipset list` or `ipset save`)');
  }
  return sets;
}
