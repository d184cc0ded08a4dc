/**
 * The one output layer, and the rule every command keeps (README "Output"):
 * - results go to stdout, as kubectl prints them: the document of -o yaml/json/name, tables, and
 *   in text mode the result lines ("daemonset.apps/weave-net configured", "... successfully rolled out");
 * - progress, information and warnings go to stderr, so `weavectl ... -o yaml | kubectl apply -f -`
 *   and `weavectl ... -o json | jq` see only the result. With -o yaml/json/name the result lines
 *   go to stderr too (`results: 'stderr'`): stdout then holds the one document and nothing else.
 *
 * Two modes, picked once from the environment:
 * - tty:   colour (unless NO_COLOR / --no-color) and a live progress line that redraws in place;
 * - plain: a pipe or CI (CI=true): one plain line per change, never cursor movement.
 *
 * Colour is decided per stream: stdout's terminal for data (`weavectl status > f` writes no colour
 * codes), stderr's for messages; NO_COLOR / --no-color turn both off, FORCE_COLOR both on.
 * Every message and every text document goes through sanitize() (text from the cluster may hold
 * terminal escape sequences); JSON and YAML documents are written exactly (document()).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { sanitize } from './sanitize.js';
import { asInvoked } from '../util/program-name.js';

export type Mode = 'tty' | 'plain';

export interface ReporterOptions {
  color?: boolean;
  /** Where success() writes: stdout (text output, the default) or stderr (stdout holds a document). */
  results?: 'stdout' | 'stderr';
  verbose?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env?: NodeJS.ProcessEnv;
}

export class Reporter {
  readonly mode: Mode;
  readonly verbose: boolean;
  /** Colours of messages (stderr). */
  readonly c: ChalkInstance;
  /** Colours of data (stdout). */
  readonly cData: ChalkInstance;
  private readonly out: NonNullable<ReporterOptions['stdout']>;
  private readonly err: NonNullable<ReporterOptions['stderr']>;
  private readonly results: 'stdout' | 'stderr';
  private lastProgress = new Map<string, string>();
  private liveLine = '';

  constructor(opts: ReporterOptions = {}) {
    const env = opts.env ?? process.env;
    this.out = opts.stdout ?? process.stdout;
    this.err = opts.stderr ?? process.stderr;
    const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
    const terminal = (s: { isTTY?: boolean }) => Boolean(s.isTTY) && !ci && env.TERM !== 'dumb';
    const tty = terminal(this.err);
    this.mode = tty ? 'tty' : 'plain';
    this.results = opts.results ?? 'stdout';
    const noColor = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || opts.color === false;
    const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '';
    this.c = new Chalk({ level: noColor ? 0 : tty || forced ? 1 : 0 });
    this.cData = new Chalk({ level: noColor ? 0 : terminal(this.out) || forced ? 1 : 0 });
    this.verbose = Boolean(opts.verbose);
  }

  /** Text for stdout (tables, reports, result lines), sanitized; colours of cData kept. */
  data(text: string): void {
    this.document(sanitize(text, { keepStyle: this.cData.level > 0 }));
  }

  /** A JSON or YAML document for stdout, written exactly as given. */
  document(text: string): void {
    this.clearLive();
    this.out.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  }

  info(msg: string): void {
    this.line(msg);
  }

  /** A result line: "daemonset.apps/weave-net configured" (stdout in text mode, else stderr). */
  success(msg: string): void {
    if (this.results === 'stderr') return this.line(this.c.green(msg));
    this.data(this.cData.green(msg));
  }

  warn(msg: string): void {
    this.line(`${this.c.yellow('Warning:')} ${msg}`);
  }

  debug(msg: string): void {
    if (this.verbose) this.line(this.c.dim(msg));
  }

  error(msg: string, hint?: string): void {
    this.line(`${this.c.red('error:')} ${msg}`);
    if (hint) this.line(`${this.c.dim('hint:')} ${hint}`);
  }

  /**
   * Progress of one thing being waited for (key: "daemonset/weave-net"). TTY: redraws one live
   * line. Plain: prints the line only when it changed.
   */
  progress(key: string, line: string): void {
    if (this.lastProgress.get(key) === line) return;
    this.lastProgress.set(key, line);
    if (this.mode === 'plain') return this.line(line);
    const width = (this.err.columns ?? 100) - 1;
    const clean = sanitize(line, { keepStyle: this.c.level > 0 });
    const text = clean.length > width ? clean.slice(0, width - 1) + '…' : clean;
    this.err.write(`\r\x1b[2K${text}`);
    this.liveLine = text;
  }

  /** Ends a live progress line (TTY) so the next message starts on its own line. */
  endProgress(): void {
    if (this.liveLine) {
      this.err.write('\n');
      this.liveLine = '';
    }
  }

  private clearLive(): void {
    if (this.liveLine) {
      this.err.write('\r\x1b[2K');
      this.liveLine = '';
    }
  }

  private line(text: string): void {
    this.clearLive();
    this.err.write(sanitize(asInvoked(text), { keepStyle: this.c.level > 0 }) + '\n');
  }
}
