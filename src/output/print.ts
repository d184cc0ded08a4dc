/**
 * The one printer of results: which `-o` formats each command prints (and the refusal of the others,
 * before the command does anything), and the printing of a result in the format asked for. A
 * command hands over its result as one function per format it prints. JSON and YAML documents go to
 * stdout as they are; text and names through the reporter (terminal escapes removed).
 */
import { usageError } from '../errors.js';
import type { OutputFormat } from './formats.js';
import type { Reporter } from './reporter.js';

const ALL: readonly OutputFormat[] = ['text', 'json', 'yaml', 'name'];
const REPORTS: readonly OutputFormat[] = ['text', 'json', 'yaml'];
const TEXT_OR_JSON: readonly OutputFormat[] = ['text', 'json'];

/**
 * The formats of each command (by its path: "policy list"): -o name only where objects are printed
 * (kubectl's "daemonset.apps/weave-net"); JSON only, not YAML, for the reports that are read by
 * scripts and have no object form. A command not listed prints text, JSON and YAML.
 */
const FORMATS: Record<string, readonly OutputFormat[]> = {
  install: ALL,
  scope: ALL,
  'policy allow': ALL,
  'policy isolate': ALL,
  uninstall: ['text', 'json', 'name'],
  'policy list': TEXT_OR_JSON,
  'policy explain': TEXT_OR_JSON,
  'npc rules': TEXT_OR_JSON,
  versions: TEXT_OR_JSON,
  'rollout-status': TEXT_OR_JSON,
};

/** What to say besides the refusal, where there is a better way to get what was asked. */
const HINTS: Record<string, string> = {
  'policy list': 'kubectl get networkpolicy -o yaml prints the objects themselves',
};

/** The formats `command` prints (text included). */
export function formatsOf(command: string | undefined): readonly OutputFormat[] {
  return (command !== undefined && FORMATS[command]) || REPORTS;
}

const SPELT: Record<OutputFormat, string> = { text: 'text', json: 'JSON', yaml: 'YAML', name: 'names' };

function list(words: string[], last: string): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/**
 * The -o value as a format `command` prints. A value that is no format at all: kubectl's message; a
 * format the command does not print: which it prints. Both exit 2, before anything is read or sent.
 * Without a command (the program's own parse), every format is accepted.
 */
export function outputFormat(value: string | undefined, command?: string): OutputFormat {
  if (value === undefined || value === '') return 'text';
  const formats = command === undefined ? ALL : formatsOf(command);
  const known = (ALL as readonly string[]).includes(value) && value !== 'text';
  if (!known) {
    throw usageError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${formats.filter((f) => f !== 'text').sort().join(',')}`);
  }
  const format = value as OutputFormat;
  if (formats.includes(format)) return format;
  const others = formats.filter((f) => f !== 'text');
  throw usageError(
    `${command} prints ${list(formats.map((f) => SPELT[f]), 'or')}, not the output format "${value}": use ${list(others.map((f) => `-o ${f}`), 'or')}, or leave -o out`,
    command !== undefined ? HINTS[command] : undefined,
  );
}

/** A result, in each format the command prints. */
export interface Printable {
  text?: () => string;
  /** The JSON document (serialized with 2-space indents). */
  json?: () => unknown;
  /** The YAML document (default: the JSON one). */
  yaml?: () => unknown;
  /** YAML already written, printed as it is (several documents, comments kept); wins over `yaml`. */
  yamlText?: () => string;
  name?: () => string;
}

/** Prints a result in `output`; a format the result has no function for prints nothing (refused up front by outputFormat). */
export async function printResult(reporter: Reporter, output: OutputFormat, p: Printable): Promise<void> {
  if (output === 'json' && p.json) return reporter.document(JSON.stringify(p.json(), null, 2));
  if (output === 'yaml' && p.yamlText) return reporter.document(p.yamlText());
  if (output === 'yaml' && (p.yaml ?? p.json)) {
    const { yamlText } = await import('./yaml-text.js');
    return reporter.document(yamlText((p.yaml ?? p.json)!()));
  }
  if (output === 'name' && p.name) return reporter.data(p.name());
  if (output === 'text' && p.text) {
    const text = p.text();
    if (text !== '') reporter.data(text);
  }
}
