/**
 * The result formats (`-o`) and dry-run modes (`--dry-run`) as typed values: parsed from the global flags by
 * src/commands/global.ts, taken by the capability flows and the printers.
 */
export type OutputFormat = 'text' | 'yaml' | 'json' | 'name';
export type DryRun = 'none' | 'client' | 'server';
