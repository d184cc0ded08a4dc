/**
 * Flags of a parent command given after one of its subcommands (`weavectl scope open --yes`).
 * commander parses the subcommand's arguments with the parent's options too (the global flags live on
 * the program and must work anywhere), so a parent flag after the subcommand lands on the parent and
 * would be silently ignored. A subcommand that does not use them refuses them instead (exit 2).
 */
import type { Command } from 'commander';
import { usageError } from '../errors.js';

/**
 * Refuse every flag of `sub`'s parent given on the command line, but those in `taken` (flags the
 * subcommand reads from its parent because commander gives them there, e.g. scope open's --port).
 */
export function refuseParentFlags(sub: Command, taken: readonly string[] = []): void {
  const parent = sub.parent;
  if (!parent || parent.parent === null) return; // the program's own (global) flags are everyone's
  for (const option of parent.options) {
    const key = option.attributeName();
    if (taken.includes(key)) continue;
    if (parent.getOptionValueSource(key) !== 'cli') continue;
    throw usageError(`${option.long ?? option.flags} is a flag of "${parent.name()}", not of "${parent.name()} ${sub.name()}"`, `run "weavectl ${parent.name()} ${sub.name()} --help" for its flags`);
  }
}
