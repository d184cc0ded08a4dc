/**
 * A subset of Go's text/template language and of fmt's formatting, for the Weave Net imitation's
 * `weave --local report -f FORMAT` (weaveworks/weave v2.8.1 prog/weaver/http.go: the /report
 * handler parses FORMAT with `template.New("format").Funcs({"json": ...}).Parse` and executes it on
 * WeaveStatus). Written from Go's documented semantics (pkg.go.dev/text/template, text/template/parse,
 * fmt, strconv); the error messages follow Go's ("template: format:LINE: ..." when parsing,
 * "template: format:LINE:COL: executing "format" at <NODE>: ..." when executing).
 *
 * JS values stand for Go values: plain objects are structs for field access (`.X` of a missing
 * field is "can't evaluate field X") and maps when ranged over, printed, or measured (keys in sorted
 * order, as Go's fmtsort); a JS Map is a Go map (`.X` of a missing key is `<no value>`); arrays are
 * slices; null/undefined is nil (a nil pointer for field access, a nil slice/map for range and len);
 * integer-valued numbers are ints, other numbers float64.
 *
 * What JS values cannot tell, and this evaluator therefore does differently from Go: a plain object
 * prints as a map (`map[k:v]`, Go prints a struct as `{v1 v2}`, a pointer to one as `&{...}`); null
 * prints as `<nil>` (Go prints a nil slice as `[]`, a nil map as `map[]`, a nil interface as
 * `<no value>`); an empty plain object is false (Go: an empty map is false, a struct always true);
 * a float literal with an integer value (`1.0`) is an int.
 *
 * The language is today's Go. weave v2.8.1 was built with Go 1.15.6 (build/Dockerfile), whose
 * text/template differs: `and`/`or` evaluate every argument (short-circuit came in Go 1.18, so an
 * argument that fails fails the template), `{{else with}}` does not parse (Go 1.23), and a newline
 * inside an action is "unclosed action" (allowed from Go 1.16).
 *
 * Supported: text, trim markers, comments; actions with pipelines (`|`), parenthesised pipelines,
 * field chains on `.`, `$`, variables and parenthesised pipelines; `$x := ...`, `$x = ...`;
 * if / else / else if / with / else with / range (slices, maps, `$i, $e :=`) / end; literals
 * (strings with Go escapes, raw strings, chars, numbers, true/false/nil); the builtins and, or,
 * not, len, index, eq, ne, lt, le, gt, ge, print, printf, println; caller functions. printf's verbs
 * %v %s %d %t %q %x %X %f %F %% with flags `-` `0` `+`, width and precision.
 * Everything else (define, template, block, break, continue, method calls, other verbs and flags,
 * printf's %!verb(...) error output) throws a GoTemplateError that says it is not supported.
 */

export class GoTemplateError extends Error {
  constructor(
    message: string,
    /** 'parse': the template did not parse (nothing ran); 'exec': execution stopped. */
    readonly phase: 'parse' | 'exec',
    /** What the template had written before the execution error. */
    readonly output = '',
    /** Whether the template had written anything at all (even an empty value) before the error. */
    readonly wrote = false,
  ) {
    super(message);
    this.name = 'GoTemplateError';
  }
}

export type GoFunc = (...args: unknown[]) => unknown;

const NAME = 'format';
const UNSUPPORTED = 'is not supported by the simulator\u2019s Go template subset (test/sim/src/go-template.ts)';

// ---------------------------------------------------------------------------------------------
// Lexer (text/template/parse lex.go)

type ItemType =
  | 'text' | 'left' | 'right' | 'space' | 'field' | 'variable' | 'dot' | 'string' | 'rawString' | 'char'
  | 'number' | 'bool' | 'nil' | 'identifier' | 'keyword' | 'pipe' | 'lparen' | 'rparen' | 'declare'
  | 'assign' | 'comma' | 'eof' | 'error';

interface Item {
  typ: ItemType;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  // Line numbers by a cursor that only moves forward (items come in order): no rescans.
  let line = 1;
  let nextNl = input.indexOf('\n');
  const lineAt = (p: number) => {
    while (nextNl >= 0 && nextNl < p) {
      line++;
      nextNl = input.indexOf('\n', nextNl + 1);
    }
    return line;
  };
  const emit = (typ: ItemType, start: number, end: number) => items.push({ typ, val: input.slice(start, end), pos: start, line: lineAt(start) });
  const fail = (msg: string, at: number) => {
    items.push({ typ: 'error', val: msg, pos: at, line: lineAt(at) });
    return items;
  };
  const skipSpace = (p: number) => {
    while (isSpace(input[p])) p++;
    return p;
  };
  while (pos < input.length) {
    const x = input.indexOf('{{', pos);
    if (x < 0) {
      emit('text', pos, input.length);
      pos = input.length;
      break;
    }
    const leftTrim = input[x + 2] === '-' && isSpace(input[x + 3]);
    let textEnd = x;
    if (leftTrim) while (textEnd > pos && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > pos) emit('text', pos, textEnd);
    let p = x + 2 + (leftTrim ? 2 : 0);
    if (input.startsWith('/*', p)) {
      const end = input.indexOf('*/', p + 2);
      if (end < 0) return fail('unclosed comment', x);
      let q = end + 2;
      const rightTrim = isSpace(input[q]) && input[q + 1] === '-' && input.startsWith('}}', q + 2);
      if (rightTrim) q += 2;
      if (!input.startsWith('}}', q)) return fail('comment ends before closing delimiter', x);
      pos = rightTrim ? skipSpace(q + 2) : q + 2;
      continue;
    }
    emit('left', x, x + 2);
    let parens = 0;
    for (;;) {
      if (isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2)) {
        if (parens > 0) return fail('unclosed left paren', p);
        emit('right', p + 2, p + 4);
        pos = skipSpace(p + 4);
        break;
      }
      if (input.startsWith('}}', p)) {
        if (parens > 0) return fail('unclosed left paren', p);
        emit('right', p, p + 2);
        pos = p + 2;
        break;
      }
      if (p >= input.length) return fail('unclosed action', x);
      const c = input[p]!;
      const start = p;
      if (isSpace(c)) {
        p = skipSpace(p);
        emit('space', start, p);
      } else if (c === '=') {
        emit('assign', p, ++p);
      } else if (c === ':') {
        if (input[p + 1] !== '=') return fail('expected :=', p);
        p += 2;
        emit('declare', start, p);
      } else if (c === '|') {
        emit('pipe', p, ++p);
      } else if (c === ',') {
        emit('comma', p, ++p);
      } else if (c === '(') {
        parens++;
        emit('lparen', p, ++p);
      } else if (c === ')') {
        if (--parens < 0) return fail('unexpected right paren', p);
        emit('rparen', p, ++p);
      } else if (c === '"') {
        p++;
        for (;;) {
          const d = input[p];
          if (d === undefined || d === '\n') return fail('unterminated quoted string', start);
          if (d === '\\') p += 2;
          else if (d === '"') break;
          else p++;
        }
        emit('string', start, ++p);
      } else if (c === '`') {
        const end = input.indexOf('`', p + 1);
        if (end < 0) return fail('unterminated raw quoted string', start);
        p = end + 1;
        emit('rawString', start, p);
      } else if (c === "'") {
        p++;
        for (;;) {
          const d = input[p];
          if (d === undefined || d === '\n') return fail('unterminated character constant', start);
          if (d === '\\') p += 2;
          else if (d === "'") break;
          else p++;
        }
        emit('char', start, ++p);
      } else if (c === '$') {
        p++;
        while (isAlnum(input[p])) p++;
        emit('variable', start, p);
      } else if (c === '.' && !/[0-9]/.test(input[p + 1] ?? '')) {
        p++;
        if (isAlnum(input[p])) {
          while (isAlnum(input[p])) p++;
          emit('field', start, p);
        } else emit('dot', start, p);
      } else if (/[-+.0-9]/.test(c)) {
        p++;
        while (/[0-9A-Za-z_.+-]/.test(input[p] ?? '') && !((input[p] === '+' || input[p] === '-') && !/[eEpP]/.test(input[p - 1]!))) p++;
        emit('number', start, p);
      } else if (isAlnum(c)) {
        while (isAlnum(input[p])) p++;
        const word = input.slice(start, p);
        emit(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier', start, p);
      } else {
        return fail(`unrecognized character in action: U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(c)}`, p);
      }
      // Go's lexer: a word must end at a terminator (lex.go atTerminator).
      const t = items[items.length - 1]!.typ;
      if ((t === 'identifier' || t === 'keyword' || t === 'bool' || t === 'nil' || t === 'field' || t === 'variable') && p < input.length) {
        const n = input[p]!;
        if (!(isSpace(n) || n === '.' || n === ',' || n === '|' || n === ':' || n === ')' || n === '(' || input.startsWith('}}', p))) {
          return fail(`bad character U+${n.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(n)}`, p);
        }
      }
    }
  }
  items.push({ typ: 'eof', val: '', pos, line: lineAt(pos) });
  return items;
}

// ---------------------------------------------------------------------------------------------
// Go literals (strconv.Unquote, parse.NewNumber)

function unquote(lit: string, quote: '"' | "'"): string {
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === quote) throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === quote) out += quote;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('invalid syntax');
      const code = parseInt(hex, 16);
      if (e === 'x' && code > 0x7f) throw new Error(`the byte escape \\x${hex} ${UNSUPPORTED}`);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error('invalid syntax');
      out += String.fromCodePoint(code);
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      const code = parseInt(oct, 8);
      if (code > 0x7f) throw new Error(`the byte escape \\${oct} ${UNSUPPORTED}`);
      out += String.fromCharCode(code);
      i += 2;
    } else throw new Error('invalid syntax');
  }
  return out;
}

function parseNumber(text: string): number {
  const t = text.replace(/_/g, '');
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)$/.exec(t);
  if (!m) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  const body = m[2]!;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (/^0[0-7]+$/.test(body)) v = parseInt(body, 8);
  else v = Number(body);
  return m[1] === '-' ? -v : v;
}

// ---------------------------------------------------------------------------------------------
// Parse tree (text/template/parse node.go, parse.go)

interface Pos {
  pos: number;
  src: string;
}
type Arg =
  | (Pos & { kind: 'field'; idents: string[] })
  | (Pos & { kind: 'variable'; name: string; idents: string[] })
  | (Pos & { kind: 'chain'; node: Arg; idents: string[] })
  | (Pos & { kind: 'dot' })
  | (Pos & { kind: 'nil' })
  | (Pos & { kind: 'identifier'; name: string })
  | (Pos & { kind: 'literal'; value: string | number | boolean })
  | (Pos & { kind: 'pipe'; pipe: Pipe });
interface Command extends Pos {
  args: Arg[];
}
interface Pipe extends Pos {
  decls: string[];
  isAssign: boolean;
  cmds: Command[];
}
type Node =
  | { kind: 'text'; text: string }
  | (Pos & { kind: 'action'; pipe: Pipe })
  | ControlNode;
interface ControlNode extends Pos {
  kind: 'if' | 'with' | 'range';
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | undefined;
}

const BUILTINS = new Set(['and', 'or', 'not', 'len', 'index', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'print', 'printf', 'println']);

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  constructor(
    private readonly input: string,
    private readonly items: Item[],
    private readonly funcs: Record<string, GoFunc>,
  ) {}

  private cur: Item = { typ: 'eof', val: '', pos: 0, line: 1 };
  private error(msg: string, item: Item = this.cur): never {
    throw new GoTemplateError(`template: ${NAME}:${item.line}: ${msg}`, 'parse');
  }
  private next(): Item {
    const it = this.items[this.i++] ?? this.items[this.items.length - 1]!;
    this.cur = it;
    if (it.typ === 'error') this.error(it.val, it);
    return it;
  }
  private peek(): Item {
    const it = this.items[this.i] ?? this.items[this.items.length - 1]!;
    if (it.typ === 'error') {
      this.cur = it;
      this.error(it.val, it);
    }
    return it;
  }
  private nextNonSpace(): Item {
    let it = this.next();
    while (it.typ === 'space') it = this.next();
    return it;
  }
  private peekNonSpace(): Item {
    const save = this.i;
    const it = this.nextNonSpace();
    this.i = save;
    return it;
  }
  private describe(it: Item): string {
    if (it.typ === 'eof') return 'EOF';
    if (it.typ === 'keyword') return `<${it.val}>`;
    return it.val.length > 10 ? `${JSON.stringify(it.val.slice(0, 10))}...` : JSON.stringify(it.val);
  }
  private unexpected(it: Item, context: string): never {
    this.error(`unexpected ${this.describe(it)} in ${context}`, it);
  }

  parse(): Node[] {
    const list: Node[] = [];
    while (this.peek().typ !== 'eof') {
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') this.error(`unexpected {{${n}}}`);
      list.push(n);
    }
    return list;
  }

  private itemList(): { list: Node[]; next: 'end' | 'else' } {
    const list: Node[] = [];
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') return { list, next: n };
      list.push(n);
    }
    this.next();
    this.error('unexpected EOF');
  }

  private textOrAction(): Node | 'end' | 'else' {
    const it = this.nextNonSpace();
    if (it.typ === 'text') return { kind: 'text', text: it.val };
    if (it.typ === 'left') return this.action(it);
    this.unexpected(it, 'input');
  }

  private action(left: Item): Node | 'end' | 'else' {
    const it = this.nextNonSpace();
    if (it.typ === 'keyword') {
      switch (it.val) {
        case 'end':
          this.expect('right', 'end');
          return 'end';
        case 'else': {
          const p = this.peekNonSpace();
          if (p.typ === 'keyword' && (p.val === 'if' || p.val === 'with')) return 'else';
          this.expect('right', 'else');
          return 'else';
        }
        case 'if':
        case 'with':
        case 'range':
          return this.control(it.val, left);
        default:
          this.error(`{{${it.val}}} ${UNSUPPORTED}`, it);
      }
    }
    this.i--;
    const pipe = this.pipeline('command', 'right');
    return { kind: 'action', pos: left.pos, src: this.input.slice(left.pos, this.cur.pos + 2), pipe };
  }

  private expect(typ: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.typ !== typ) this.unexpected(it, context);
    return it;
  }

  private control(kind: 'if' | 'with' | 'range', left: Item): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'right');
    const src = this.input.slice(left.pos, this.cur.pos + 2);
    const { list, next } = this.itemList();
    let elseList: Node[] | undefined;
    if (next === 'else') {
      const p = this.peekNonSpace();
      if ((kind === 'if' || kind === 'with') && p.typ === 'keyword' && p.val === kind) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} (parse.go parseControl)
        const kw = this.nextNonSpace();
        elseList = [this.control(kind, kw)];
      } else {
        const r = this.itemList();
        if (r.next !== 'end') this.error('expected end; found {{else}}');
        elseList = r.list;
      }
    }
    this.vars.length = mark;
    return { kind, pos: pipe.pos, src, pipe, list, elseList };
  }

  private pipeline(context: string, end: 'right' | 'rparen'): Pipe {
    const first = this.peekNonSpace();
    const pipe: Pipe = { pos: first.pos, src: '', decls: [], isAssign: false, cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.typ === 'declare' || after.typ === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = after.typ === 'assign';
        if (pipe.isAssign && !this.vars.includes(v.val)) this.error(`undefined variable ${JSON.stringify(v.val)}`, v);
        pipe.decls.push(v.val);
        if (!pipe.isAssign) this.vars.push(v.val);
        break;
      }
      if (after.typ === 'comma') {
        this.nextNonSpace();
        pipe.decls.push(v.val);
        if (context === 'range' && pipe.decls.length < 2) {
          const n = this.peekNonSpace();
          if (n.typ === 'variable') continue;
          this.error('range can only initialize variables', n);
        }
        this.error(`too many declarations in ${context}`, after);
      }
      this.i = save;
      break;
    }
    if (pipe.decls.length === 2 && !pipe.isAssign) this.vars.push(pipe.decls[0]!);
    for (;;) {
      const it = this.nextNonSpace();
      if (it.typ === end) {
        pipe.src = this.input.slice(first.pos, it.pos).trim();
        if (pipe.cmds.length === 0) this.error(`missing value for ${context}`, it);
        pipe.cmds.slice(1).forEach((c, k) => {
          const a = c.args[0]!;
          if (a.kind === 'literal' || a.kind === 'dot' || a.kind === 'nil') this.error(`non executable command in pipeline stage ${k + 2}`, it);
        });
        return pipe;
      }
      switch (it.typ) {
        case 'bool': case 'char': case 'dot': case 'field': case 'identifier': case 'number': case 'nil':
        case 'rawString': case 'string': case 'variable': case 'lparen':
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(it, context);
      }
    }
  }

  private command(): Command {
    const start = this.peekNonSpace();
    const cmd: Command = { pos: start.pos, src: '', args: [] };
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) cmd.args.push(op);
      const it = this.next();
      if (it.typ === 'space') continue;
      if (it.typ === 'right' || it.typ === 'rparen') this.i--;
      else if (it.typ !== 'pipe') this.unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.error('empty command');
    cmd.src = cmd.args.map((a) => a.src).join(' ');
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().typ !== 'field') return node;
    const idents: string[] = [];
    let end = node.pos + node.src.length;
    while (this.peek().typ === 'field') {
      const f = this.next();
      idents.push(f.val.slice(1));
      end = f.pos + f.val.length;
    }
    const src = this.input.slice(node.pos, end);
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: node.pos, src, idents: [...node.idents, ...idents] };
      case 'variable':
        return { kind: 'variable', pos: node.pos, src, name: node.name, idents: [...node.idents, ...idents] };
      case 'literal': case 'nil': case 'dot':
        this.error(`unexpected . after term ${JSON.stringify(node.src)}`);
      // falls through (error throws)
      default:
        return { kind: 'chain', pos: node.pos, src, node, idents };
    }
  }

  private term(): Arg | undefined {
    const it = this.nextNonSpace();
    const at = { pos: it.pos, src: it.val };
    switch (it.typ) {
      case 'identifier':
        if (!BUILTINS.has(it.val) && !Object.prototype.hasOwnProperty.call(this.funcs, it.val)) this.error(`function ${JSON.stringify(it.val)} not defined`);
        return { ...at, kind: 'identifier', name: it.val };
      case 'dot':
        return { ...at, kind: 'dot' };
      case 'nil':
        return { ...at, kind: 'nil' };
      case 'variable': {
        const [name, ...idents] = it.val.split('.');
        if (!this.vars.includes(name!)) this.error(`undefined variable ${JSON.stringify(name)}`);
        return { ...at, kind: 'variable', name: name!, idents };
      }
      case 'field':
        return { ...at, kind: 'field', idents: [it.val.slice(1)] };
      case 'bool':
        return { ...at, kind: 'literal', value: it.val === 'true' };
      case 'number':
        try {
          return { ...at, kind: 'literal', value: parseNumber(it.val) };
        } catch (e) {
          this.error((e as Error).message);
        }
      // falls through (error throws)
      case 'char':
        try {
          const s = unquote(it.val, "'");
          if ([...s].length !== 1) throw new Error(`malformed character constant: ${it.val}`);
          return { ...at, kind: 'literal', value: s.codePointAt(0)! };
        } catch (e) {
          this.error((e as Error).message);
        }
      // falls through (error throws)
      case 'string':
        try {
          return { ...at, kind: 'literal', value: unquote(it.val, '"') };
        } catch (e) {
          this.error((e as Error).message);
        }
      // falls through (error throws)
      case 'rawString':
        return { ...at, kind: 'literal', value: it.val.slice(1, -1).replace(/\r/g, '') };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        return { kind: 'pipe', pos: it.pos, src: this.input.slice(it.pos, this.cur.pos + 1), pipe };
      }
    }
    this.i--;
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Execution (text/template exec.go, funcs.go)

/** Go's invalid reflect.Value: a missing map key, printed as "<no value>". */
const INVALID = Symbol('no value');
/** No value piped into a command. */
const MISSING = Symbol('missing');

class ExecFail extends Error {}

const isNil = (v: unknown) => v === null || v === undefined;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);

/** The entries of a map-like value in Go's sorted key order (fmtsort). */
function mapEntries(v: Map<unknown, unknown> | Record<string, unknown>): [unknown, unknown][] {
  const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, v[k]]);
  return entries.sort(([a], [b]) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
    if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
    throw new ExecFail(`sorting map keys of mixed or composite types ${UNSUPPORTED}`);
  });
}

function goType(v: unknown): string {
  if (isNil(v) || v === INVALID) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  if (typeof v === 'function') return 'func';
  return 'struct';
}

/** Go's truth (exec.go isTrue): false, 0, nil, and empty strings, slices and maps are false. */
export function goTruth(v: unknown): boolean {
  if (isNil(v) || v === INVALID) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

interface Var {
  name: string;
  value: unknown;
}

class Exec {
  readonly out: string[] = [];
  wrote = false;
  private vars: Var[];
  private at: Pos | undefined;
  constructor(
    private readonly input: string,
    data: unknown,
    private readonly funcs: Record<string, GoFunc>,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  fail(msg: string): never {
    if (!this.at) throw new GoTemplateError(`template: ${NAME}: ${msg}`, 'exec', this.out.join(''), this.wrote);
    const before = this.input.slice(0, this.at.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = nl < 0 ? this.at.pos : this.at.pos - nl - 1;
    const context = this.at.src.length > 20 ? `${this.at.src.slice(0, 20)}...` : this.at.src;
    throw new GoTemplateError(`template: ${NAME}:${line}:${col}: executing "${NAME}" at <${context}>: ${msg}`, 'exec', this.out.join(''), this.wrote);
  }

  /** Runs fn, turning value errors (ExecFail) into Go's execution error at the current node. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ExecFail) this.fail(e.message);
      throw e;
    }
  }

  walkList(dot: unknown, list: Node[]): void {
    for (const n of list) this.walk(dot, n);
  }

  private walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'text':
        this.out.push(node.text);
        this.wrote = true;
        return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decls.length === 0) {
          this.at = node;
          const s = v === INVALID ? '<no value>' : this.guard(() => formatValue(v, 'v', NO_FLAGS, 0));
          this.out.push(s);
          this.wrote = true;
        }
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        if (goTruth(v)) this.walkList(node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, node);
    }
  }

  private walkRange(dot: unknown, r: ControlNode): void {
    const outer = this.vars.length;
    this.at = r;
    const val = this.evalPipeline(dot, r.pipe);
    const mark = this.vars.length;
    const one = (index: unknown, elem: unknown) => {
      const d = r.pipe.decls;
      if (d.length > 0) {
        if (r.pipe.isAssign) {
          this.setVar(d[0]!, d.length > 1 ? index : elem);
          if (d.length > 1) this.setVar(d[1]!, elem);
        } else {
          this.vars[this.vars.length - 1]!.value = elem;
          if (d.length > 1) this.vars[this.vars.length - 2]!.value = index;
        }
      }
      this.walkList(elem, r.list);
      this.vars.length = mark;
    };
    let ran = false;
    if (Array.isArray(val)) {
      val.forEach((e, i) => one(i, e));
      ran = val.length > 0;
    } else if (val instanceof Map || isPlainObject(val)) {
      const entries = this.guard(() => mapEntries(val));
      for (const [k, e] of entries) one(k, e);
      ran = entries.length > 0;
    } else if (!isNil(val) && val !== INVALID) {
      this.at = r;
      this.fail(typeof val === 'number' ? `range over an integer ${UNSUPPORTED}` : `range can't iterate over ${this.guard(() => formatValue(val, 'v', NO_FLAGS, 0))}`);
    }
    if (!ran && r.elseList) this.walkList(dot, r.elseList);
    this.vars.length = outer;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.fail(`undefined variable: ${name}`);
  }

  private evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.at = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decls) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: Arg[], final: unknown): void {
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${args[0]!.src}`);
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFields(dot, first, dot, first.idents, cmd.args, final);
      case 'chain': {
        this.at = first;
        const recv = this.evalArg(dot, first.node);
        return this.evalFields(dot, first, recv, first.idents, cmd.args, final);
      }
      case 'variable': {
        this.at = first;
        const v = this.varValue(first.name);
        if (first.idents.length === 0) {
          this.notAFunction(cmd.args, final);
          return v;
        }
        return this.evalFields(dot, first, v, first.idents, cmd.args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first, cmd.args.slice(1), final);
      case 'pipe':
        this.at = first;
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
    }
    this.at = first;
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return this.fail('nil is not a command');
      case 'literal':
        return first.value;
    }
  }

  private evalFields(dot: unknown, node: Arg, receiver: unknown, idents: string[], args: Arg[], final: unknown): unknown {
    this.at = node;
    let v = receiver;
    idents.forEach((name, i) => {
      const last = i === idents.length - 1;
      const hasArgs = last && (args.length > 1 || final !== MISSING);
      v = this.evalField(v, name, hasArgs);
    });
    void dot;
    return v;
  }

  private evalField(receiver: unknown, name: string, hasArgs: boolean): unknown {
    if (receiver === INVALID || receiver === MISSING) return INVALID;
    if (isNil(receiver)) this.fail(`nil pointer evaluating ${goType(receiver)}.${name}`);
    if (receiver instanceof Map) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      return receiver.has(name) ? receiver.get(name) : INVALID;
    }
    if (isPlainObject(receiver) && Object.prototype.hasOwnProperty.call(receiver, name)) {
      const v = receiver[name];
      if (typeof v === 'function') this.fail(`calling method ${name} ${UNSUPPORTED}`);
      if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
      return v;
    }
    return this.fail(`can't evaluate field ${name} in type ${goType(receiver)}`);
  }

  private evalArg(dot: unknown, arg: Arg): unknown {
    this.at = arg;
    switch (arg.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'literal':
        return arg.value;
      case 'field':
        return this.evalFields(dot, arg, dot, arg.idents, [arg], MISSING);
      case 'variable': {
        const v = this.varValue(arg.name);
        return arg.idents.length ? this.evalFields(dot, arg, v, arg.idents, [arg], MISSING) : v;
      }
      case 'chain':
        return this.evalFields(dot, arg, this.evalArg(dot, arg.node), arg.idents, [arg], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, arg.pipe);
      case 'identifier':
        return this.evalFunction(dot, arg, [], MISSING);
    }
  }

  private evalFunction(dot: unknown, ident: Extract<Arg, { kind: 'identifier' }>, argNodes: Arg[], final: unknown): unknown {
    const name = ident.name;
    const n = argNodes.length + (final === MISSING ? 0 : 1);
    const arity = (min: number, max = min) => {
      this.at = ident;
      if (n < min || n > max) this.fail(max === Infinity ? `wrong number of args for ${name}: want at least ${min} got ${n}` : `wrong number of args for ${name}: want ${min} got ${n}`);
    };
    // A missing map value reaches a function as nil (exec.go validateType).
    const arg = (a: Arg) => {
      const v = this.evalArg(dot, a);
      return v === INVALID ? null : v;
    };
    // The caller's functions come first (exec.go findFunction: the template's funcs, then the builtins).
    if (Object.prototype.hasOwnProperty.call(this.funcs, name)) {
      const fn = this.funcs[name]!;
      const argv = argNodes.map(arg);
      if (final !== MISSING) argv.push(final === INVALID ? null : final);
      if (fn.length > 0) arity(fn.length);
      this.at = ident;
      try {
        return fn(...argv);
      } catch (e) {
        if (e instanceof GoTemplateError) throw e;
        return this.fail(`error calling ${name}: ${(e as Error).message}`);
      }
    }
    if (name === 'and' || name === 'or') {
      arity(1, Infinity);
      // and/or evaluate their arguments in order and stop at the deciding one (funcs.go, Go 1.18).
      let v: unknown;
      for (const a of argNodes) {
        v = arg(a);
        if (goTruth(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final === INVALID ? null : final;
    }
    const argv = argNodes.map(arg);
    if (final !== MISSING) argv.push(final === INVALID ? null : final);
    this.at = ident;
    const call = (fn: () => unknown) => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof GoTemplateError) throw e;
        return this.fail(`error calling ${name}: ${(e as Error).message}`);
      }
    };
    switch (name) {
      case 'not':
        arity(1);
        return !goTruth(argv[0]);
      case 'len':
        arity(1);
        return call(() => goLen(argv[0]));
      case 'index':
        arity(1, Infinity);
        return call(() => goIndex(argv[0], argv.slice(1)));
      case 'eq':
        arity(1, Infinity);
        return call(() => {
          if (argv.length < 2) throw new Error('missing argument for comparison');
          return argv.slice(1).some((b) => goEqual(argv[0], b));
        });
      case 'ne':
        arity(2);
        return call(() => !goEqual(argv[0], argv[1]));
      case 'lt': case 'le': case 'gt': case 'ge':
        arity(2);
        return call(() => goCompare(name, argv[0], argv[1]));
      case 'print':
        return call(() => goSprint(argv));
      case 'println':
        return call(() => `${argv.map((a) => formatValue(a, 'v', NO_FLAGS, 0)).join(' ')}\n`);
      case 'printf':
        arity(1, Infinity);
        return call(() => {
          if (typeof argv[0] !== 'string') throw new Error(`wrong type for value; expected string; got ${goType(argv[0])}`);
          return goSprintf(argv[0], argv.slice(1));
        });
    }
    return this.fail(`function ${JSON.stringify(name)} not defined`);
  }
}

// ---------------------------------------------------------------------------------------------
// Builtin functions (text/template funcs.go)

function goLen(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isPlainObject(v)) return Object.keys(v).length;
  if (isNil(v)) return 0;
  throw new Error(`len of type ${goType(v)}`);
}

function goIndex(item: unknown, indexes: unknown[]): unknown {
  let v = item;
  for (const ix of indexes) {
    if (isNil(v)) throw new Error('index of untyped nil');
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof ix !== 'number' || !Number.isInteger(ix)) throw new Error(`cannot index slice/array with type ${goType(ix)}`);
      const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
      if (ix < 0 || ix >= len) throw new Error(`index out of range: ${ix}`);
      v = typeof v === 'string' ? Buffer.from(v)[ix] : v[ix];
    } else if (v instanceof Map) {
      // A missing key gives the zero interface{}, which the pipeline unwraps to no value (exec.go
      // evalPipeline): printed as <no value>.
      v = v.has(ix) ? v.get(ix) : INVALID;
    } else if (isPlainObject(v)) {
      if (typeof ix !== 'string') throw new Error(`value has type ${goType(ix)}; should be string`);
      v = Object.prototype.hasOwnProperty.call(v, ix) ? v[ix] : INVALID;
    } else throw new Error(`can't index item of type ${goType(v)}`);
  }
  return v;
}

type BasicKind = 'bool' | 'number' | 'string';
function basicKind(v: unknown): BasicKind | undefined {
  const t = typeof v;
  return t === 'boolean' ? 'bool' : t === 'number' ? 'number' : t === 'string' ? 'string' : undefined;
}

function goEqual(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (!ka || !kb) throw new Error(`non-comparable type ${goType(ka ? b : a)}`);
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return a === b;
}

function goCompare(op: 'lt' | 'le' | 'gt' | 'ge', a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (!ka || !kb || ka === 'bool' || kb === 'bool') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  const x = a as number | string;
  const y = b as number | string;
  const lt = typeof x === 'string' ? Buffer.compare(Buffer.from(x), Buffer.from(y as string)) < 0 : x < (y as number);
  switch (op) {
    case 'lt':
      return lt;
    case 'le':
      return lt || x === y;
    case 'gt':
      return !lt && x !== y;
    case 'ge':
      return !lt;
  }
}

// ---------------------------------------------------------------------------------------------
// fmt (print.go, format.go)

interface Flags {
  minus: boolean;
  zero: boolean;
  plus: boolean;
  width?: number;
  prec?: number;
}
const NO_FLAGS: Flags = { minus: false, zero: false, plus: false };

function pad(s: string, f: Flags, numeric: boolean): string {
  const n = [...s].length;
  if (f.width === undefined || n >= f.width) return s;
  const fill = f.width - n;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c < 0xe000) out += '\\ufffd';
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else out += c < 0x10000 ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

function intString(v: number, base: 10 | 16, upper: boolean): string {
  const s = BigInt(v).toString(base);
  return upper ? s.toUpperCase() : s;
}

/** %f / %F: exact decimal rounding with ties to even (strconv). */
function fixed(v: number, prec: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  if (abs >= 1e21 || prec > 60) throw new ExecFail(`%f of ${v} with precision ${prec} ${UNSUPPORTED}`);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const exact = abs.toFixed(100); // the double's exact decimal expansion (it has fewer than 100 digits here)
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + prec);
  let s = abs.toFixed(prec);
  if (/^50*$/.test(rest)) {
    // exactly halfway: toFixed rounded up; Go rounds to the even neighbour.
    const kept = exact.slice(0, dot) + exact.slice(dot + 1, dot + 1 + prec);
    const digits = BigInt(kept) % 2n === 0n ? BigInt(kept) : BigInt(kept) + 1n;
    const str = digits.toString().padStart(prec + 1, '0');
    s = prec === 0 ? str : `${str.slice(0, -prec)}.${str.slice(-prec)}`;
  }
  return sign + s;
}

/**
 * %v of a float64: strconv.FormatFloat(v, 'g', -1, 64), the shortest digits that round-trip, in
 * %e form when the exponent is < -4 or >= 6 (ftoa.go: "if precision was the shortest possible, use
 * precision 6 for this decision"): 1234567.5 prints as 1.2345675e+06.
 */
function floatV(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const [mant, expS] = Math.abs(v).toExponential().split('e') as [string, string];
  const exp = Number(expS);
  const digits = mant.replace('.', '');
  const sign = v < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function bad(verb: string, v: unknown): never {
  throw new ExecFail(`printf verb %${verb} for ${goType(v)} ${UNSUPPORTED} (Go would print %!${verb}(...))`);
}

function formatValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (v === INVALID) v = null;
  if (isNil(v)) {
    if (verb === 'v' || depth > 0) return pad('<nil>', f, false);
    bad(verb, v);
  }
  if (typeof v === 'boolean') {
    if (verb === 'v' || verb === 't') return pad(String(v), f, false);
    bad(verb, v);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) {
      if (verb === 'v' || verb === 'd' || verb === 'x' || verb === 'X') {
        let digits = intString(Math.abs(v), verb === 'x' || verb === 'X' ? 16 : 10, verb === 'X');
        if (f.prec !== undefined) digits = digits.padStart(f.prec, '0');
        const s = (v < 0 ? '-' : f.plus ? '+' : '') + digits;
        return pad(s, f.prec !== undefined ? { ...f, zero: false } : f, true);
      }
      if (verb === 'f' || verb === 'F') bad(verb, v); // Go: %!f(int=1)
      bad(verb, v);
    }
    if (verb === 'v') {
      const s = floatV(v);
      return pad(f.plus && !s.startsWith('-') ? `+${s}` : s, f, true);
    }
    if (verb === 'f' || verb === 'F') {
      const s = fixed(v, f.prec ?? 6);
      return pad(f.plus && !s.startsWith('-') ? `+${s}` : s, f, Number.isFinite(v));
    }
    bad(verb, v);
  }
  if (typeof v === 'string') {
    if (f.zero && !f.minus && f.width !== undefined) throw new ExecFail(`the 0 flag with a string (Go versions differ) ${UNSUPPORTED}`);
    const s = f.prec !== undefined ? [...v].slice(0, f.prec).join('') : v;
    if (verb === 'v' || verb === 's') return pad(s, f, false);
    if (verb === 'q') return pad(goQuote(s), f, false);
    if (verb === 'x' || verb === 'X') {
      if (f.prec !== undefined) throw new ExecFail(`%x with a precision ${UNSUPPORTED}`);
      const hex = Buffer.from(v).toString('hex');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, f, false);
    }
    bad(verb, v);
  }
  if (Array.isArray(v)) return `[${v.map((e) => formatValue(e, verb, f, depth + 1)).join(' ')}]`;
  if (v instanceof Map || isPlainObject(v)) {
    return `map[${mapEntries(v)
      .map(([k, e]) => `${formatValue(k, verb, f, depth + 1)}:${formatValue(e, verb, f, depth + 1)}`)
      .join(' ')}]`;
  }
  throw new ExecFail(`printing a ${typeof v} ${UNSUPPORTED}`);
}

/** fmt.Sprint: operands formatted with %v, a space between two operands when neither is a string. */
function goSprint(args: unknown[]): string {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out.push(' ');
    out.push(formatValue(a, 'v', NO_FLAGS, 0));
  });
  return out.join('');
}

/** fmt.Sprintf for the verbs and flags of the subset. */
export function goSprintf(format: string, args: unknown[]): string {
  const out: string[] = [];
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out.push(format.slice(i));
      break;
    }
    out.push(format.slice(i, pct));
    i = pct + 1;
    const f: Flags = { minus: false, zero: false, plus: false };
    for (;;) {
      const c = format[i];
      if (c === '-') f.minus = true;
      else if (c === '0') f.zero = !f.minus;
      else if (c === '+') f.plus = true;
      else if (c === '#' || c === ' ') throw new ExecFail(`the printf flag '${c}' ${UNSUPPORTED}`);
      else break;
      i++;
    }
    if (f.minus) f.zero = false;
    const num = () => {
      const m = /^[0-9]+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    if (format[i] === '*' || format[i] === '[') throw new ExecFail(`printf argument indexes and '*' widths ${UNSUPPORTED}`);
    f.width = num();
    if (format[i] === '.') {
      i++;
      if (format[i] === '*' || format[i] === '[') throw new ExecFail(`printf argument indexes and '*' precisions ${UNSUPPORTED}`);
      f.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) throw new ExecFail(`printf format ending in % (Go prints %!(NOVERB)) ${UNSUPPORTED}`);
    i += verb.length;
    if (verb === '%') {
      out.push('%');
      continue;
    }
    if (!'vsdtqxXfF'.includes(verb)) throw new ExecFail(`the printf verb %${verb} ${UNSUPPORTED}`);
    if (argi >= args.length) throw new ExecFail(`printf: missing argument for %${verb} (Go prints %!${verb}(MISSING)) ${UNSUPPORTED}`);
    out.push(formatValue(args[argi++], verb, f, 0));
  }
  if (argi < args.length) throw new ExecFail(`printf: extra arguments (Go prints %!(EXTRA ...)) ${UNSUPPORTED}`);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// encoding/json, for weave's `json` template function

/**
 * json.Marshal (compact): map keys sorted, <, >, & and U+2028/U+2029 escaped as Go's HTML-safe
 * encoder does. Plain objects keep their key order (struct fields); JS Maps are sorted.
 */
export function goJsonMarshal(v: unknown): string {
  const s = JSON.stringify(v === INVALID ? null : v, (_k, x: unknown) => {
    if (x instanceof Map) return Object.fromEntries(mapEntries(x).map(([k, e]) => [String(k), e]));
    return x === undefined ? null : x;
  });
  return (s ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------

/**
 * Parses `text` as the template named "format" and executes it on `data`. Throws GoTemplateError
 * for a parse error (phase 'parse'), an execution error (phase 'exec', with the output written
 * before it), or anything outside the subset.
 */
export function execGoTemplate(text: string, data: unknown, funcs: Record<string, GoFunc> = {}): string {
  const tree = new Parser(text, lex(text), funcs).parse();
  const ex = new Exec(text, data, funcs);
  ex.walkList(data, tree);
  return ex.out.join('');
}
