/**
 * The Go text/template subset of the Weave Net imitation (src/go-template.ts), checked against Go's
 * documented semantics (pkg.go.dev/text/template, fmt), and the templates weavectl sends to
 * `weave --local report -f` (weaveworks/weave v2.8.1 prog/weaver/http.go /report?format=).
 */
import { describe, expect, it } from 'vitest';
import { clusterView } from './views.js';
import { execGoTemplate, goJsonMarshal, GoTemplateError, type GoFunc } from './src/go-template.js';
import { weaveReportFormat, weaveReportObject } from './src/weave-ring.js';
import { weaveStatusConnections, type WeaveView } from './src/weave-node.js';
import { NODE_REPORT_TEMPLATE } from '../../src/sysdump/collect.js';

const json: Record<string, GoFunc> = { json: (v: unknown) => goJsonMarshal(v) };
const run = (text: string, data: unknown = DATA, funcs: Record<string, GoFunc> = json) => execGoTemplate(text, data, funcs);
function fails(text: string, data: unknown = DATA): GoTemplateError {
  try {
    run(text, data);
  } catch (e) {
    if (e instanceof GoTemplateError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

const DATA = {
  Name: 'peer',
  N: 3,
  Zero: 0,
  F: 2.5,
  T: true,
  Empty: '',
  Nil: null,
  List: ['a', 'b', 'c'],
  None: [],
  Map: { zeta: 1, alpha: 2, mid: 'x' },
  Inner: { Deep: { V: 'deep' }, Nil: null },
  Objs: [
    { K: 'one', On: true },
    { K: 'two', On: false },
  ],
};

describe('text, trim markers and comments (text/template "Text and spaces", "Comments")', () => {
  it('copies text and prints actions', () => {
    expect(run('a {{.Name}} b')).toBe('a peer b');
    expect(run('no actions\n')).toBe('no actions\n');
  });
  it('{{- trims the white space before, -}} the white space after (spaces, tabs, newlines)', () => {
    expect(run('x  \n\t{{- .N -}}  \n y')).toBe('x3y');
    expect(run('x {{- .N}} y')).toBe('x3 y');
    expect(run('x {{.N -}} y')).toBe('x 3y');
    // "{{-3}}" is the number -3, not a trim marker
    expect(run('x {{-3}}')).toBe('x -3');
  });
  it('comments print nothing and may trim', () => {
    expect(run('a{{/* a comment */}}b')).toBe('ab');
    expect(run('a  {{- /* multi\nline */ -}}  b')).toBe('ab');
    expect(fails('{{/* x */ .N}}').message).toBe('template: format:1: comment ends before closing delimiter');
    expect(fails('{{/* x').message).toBe('template: format:1: unclosed comment');
  });
});

describe('fields, dot, $ and variables', () => {
  it('field chains on dot, $ and variables; . and $ themselves', () => {
    expect(run('{{.Inner.Deep.V}} {{$.Name}} {{with .Inner}}{{$.N}}{{.Deep.V}}{{end}}')).toBe('deep peer 3deep');
    expect(run('{{.}}', 'plain')).toBe('plain');
    expect(run('{{$}}', 7)).toBe('7');
    expect(run('{{$d := .Inner}}{{$d.Deep.V}}')).toBe('deep');
    expect(run('{{(.Inner).Deep.V}}')).toBe('deep');
  });
  it('a declaration prints nothing; = assigns an outer variable; scope ends at {{end}}', () => {
    expect(run('{{$x := .N}}[{{$x}}]')).toBe('[3]');
    expect(run('{{$x := 1}}{{range .List}}{{$x = 2}}{{end}}{{$x}}')).toBe('2');
    expect(run('{{$x := 1}}{{if true}}{{$x := 5}}{{$x}}{{end}}{{$x}}')).toBe('51');
    expect(fails('{{if true}}{{$y := 1}}{{end}}{{$y}}').message).toBe('template: format:1: undefined variable "$y"');
    expect(fails('{{range .List}}{{$e := .}}{{end}}{{$e}}').message).toBe('template: format:1: undefined variable "$e"');
    expect(fails('{{$z = 1}}').message).toBe('template: format:1: undefined variable "$z"');
  });
  it('a missing struct field and a field of nil are execution errors; a missing Map key is <no value>', () => {
    const e = fails('ab{{.Missing}}');
    expect(e.message).toBe('template: format:1:4: executing "format" at <.Missing>: can\'t evaluate field Missing in type struct');
    expect(e.phase).toBe('exec');
    expect(e.output).toBe('ab');
    expect(e.wrote).toBe(true);
    expect(fails('{{.Inner.Nil.X}}').message).toMatch(/^template: format:1:2: executing "format" at <\.Inner\.Nil\.X>: nil pointer evaluating interface \{\}\.X$/);
    expect(fails('{{.Nil.X}}').wrote).toBe(false);
    expect(run('{{.m.k}}|{{.m.no}}|{{index .m "no"}}', { m: new Map([['k', 'v']]) })).toBe('v|<no value>|<no value>');
  });
});

describe('if, else, else if, with, range', () => {
  it('Go truth: false, 0, nil, empty string, slice and map are false', () => {
    const t = (v: unknown) => execGoTemplate('{{if .}}T{{else}}F{{end}}', v);
    expect([false, 0, null, undefined, '', [], {}, new Map()].map(t)).toEqual(['F', 'F', 'F', 'F', 'F', 'F', 'F', 'F']);
    expect([true, 1, -1, 0.5, 'x', [0], { a: 0 }, new Map([[1, 1]])].map(t)).toEqual(['T', 'T', 'T', 'T', 'T', 'T', 'T', 'T']);
  });
  it('else if chains and with rebinding dot', () => {
    const t = '{{if eq .N 1}}one{{else if eq .N 3}}three{{else}}other{{end}}';
    expect(run(t)).toBe('three');
    expect(run(t, { N: 9 })).toBe('other');
    expect(run('{{with .Inner.Deep}}{{.V}}{{else}}none{{end}}|{{with .Nil}}x{{else}}none{{end}}')).toBe('deep|none');
    expect(run('{{with .Nil}}a{{else with .Inner}}{{.Deep.V}}{{end}}')).toBe('deep');
  });
  it('range over slices rebinds dot; $i, $e and $e forms; {{else}} for nil and empty', () => {
    expect(run('{{range .List}}<{{.}}>{{end}}')).toBe('<a><b><c>');
    expect(run('{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}')).toBe('0=a 1=b 2=c ');
    expect(run('{{range $e := .Objs}}{{$e.K}}{{if .On}}+{{end}} {{end}}')).toBe('one+ two ');
    expect(run('{{range .None}}x{{else}}empty{{end}}|{{range .Nil}}x{{else}}nil{{end}}|{{range .None}}x{{end}}')).toBe('empty|nil|');
  });
  it('range over a map visits its keys in sorted order', () => {
    expect(run('{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}')).toBe('alpha=2;mid=x;zeta=1;');
    expect(run('{{range .Map}}{{.}} {{end}}')).toBe('2 x 1 ');
    expect(run('{{range $k, $v := .}}{{$k}}{{end}}', new Map([[10, 'a'], [9, 'b']]))).toBe('910');
  });
  it('ranging over something that is not a collection is an error', () => {
    expect(fails('{{range .Name}}{{end}}').message).toMatch(/^template: format:1:\d+: executing "format" at <.*>: range can't iterate over peer$/);
  });
});

describe('pipelines, parentheses and literals', () => {
  it('the previous value is the last argument of the next command', () => {
    expect(run('{{.List | len}}')).toBe('3');
    expect(run('{{"b" | printf "%s%s" "a"}}')).toBe('ab');
    expect(run('{{.N | printf "%d" | printf "<%s>"}}')).toBe('<3>');
    expect(run('{{printf "%.3s" .Name | len}}')).toBe('3');
    expect(run('{{len (printf "%.3s-%s" .Name (index .List 1))}}')).toBe('5');
  });
  it('string literals with Go escapes, raw strings, chars, numbers, booleans, nil', () => {
    expect(run('{{"a\\tb\\n\\"q\\" \\u00e9 \\x41 \\101"}}')).toBe('a\tb\n"q" é A A');
    expect(run('{{`raw \\n {{ }}`}}')).toBe('raw \\n {{ }}');
    expect(run("{{'a'}} {{0x1F}} {{1_000}} {{-7}} {{1.5}} {{1e3}} {{true}} {{false}}")).toBe('97 31 1000 -7 1.5 1000 true false');
    expect(run('{{print nil}}')).toBe('<nil>');
    expect(run('{{"}}"}}{{`{{`}}')).toBe('}}{{');
    expect(fails('{{$x := 1}}{{$x=2}}').message).toBe('template: format:1: bad character U+003D "="');
    expect(fails('{{nil}}').message).toMatch(/nil is not a command$/);
    expect(fails('{{"a" "b"}}').message).toMatch(/can't give argument to non-function "a"$/);
    // a field with arguments parses (it could be a method) and fails when executed
    expect(fails('{{.N .N}}').message).toBe('template: format:1:2: executing "format" at <.N>: N has arguments but cannot be invoked as function');
    expect(fails('{{.N | 3}}').message).toBe('template: format:1: non executable command in pipeline stage 2');
  });
});

describe('builtin functions (text/template "Functions")', () => {
  it('and / or return the deciding argument and do not evaluate the rest', () => {
    expect(run('{{and 1 "x" 2}}|{{and 1 0 2}}|{{or 0 "" "y"}}|{{or 0 ""}}')).toBe('2|0|y|');
    // .Nil.X would fail if evaluated
    expect(run('{{and .Zero .Nil.X}}|{{or .N .Nil.X}}')).toBe('0|3');
    expect(run('{{if or (eq .Name "x") (not .T)}}y{{else}}n{{end}}')).toBe('n');
  });
  it('not, len (bytes of a string), index', () => {
    expect(run('{{not .Empty}} {{not .N}} {{len "é"}} {{len .Map}} {{len .Nil}} {{index .List 2}} {{index .Map "mid"}} {{index .Objs 1 | len}}')).toBe(
      'true false 2 3 0 c x 2',
    );
    expect(fails('{{index .List 5}}').message).toMatch(/at <index>: error calling index: index out of range: 5$/);
    expect(fails('{{len .N}}').message).toMatch(/error calling len: len of type int$/);
  });
  it('eq with several arguments is a == b || a == c; ne, lt, le, gt, ge', () => {
    expect(run('{{eq .N 1 2 3}} {{eq .N 1 2}} {{eq .Name "peer"}} {{eq .Nil nil}} {{ne .Name "x"}}')).toBe('true false true true true');
    expect(run('{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge "b" "a"}} {{lt 1.5 2}}')).toBe('true true false true true');
    expect(fails('{{eq .N "3"}}').message).toMatch(/error calling eq: incompatible types for comparison$/);
    expect(fails('{{lt true false}}').message).toMatch(/error calling lt: invalid type for comparison$/);
    expect(fails('{{eq .List .List}}').message).toMatch(/error calling eq: non-comparable type/);
    expect(fails('{{ne 1}}').message).toMatch(/wrong number of args for ne: want 2 got 1$/);
  });
  it('print adds spaces between operands when neither is a string; println always, and a newline', () => {
    expect(run('{{print 1 2 "a" "b" 3 .T}}')).toBe('1 2ab3 true');
    expect(run('{{println "a" 1 .Nil}}')).toBe('a 1 <nil>\n');
  });
  it("the caller's functions; weave's json is compact and escapes <, > and &", () => {
    expect(run('{{json .Objs}}')).toBe('[{"K":"one","On":true},{"K":"two","On":false}]');
    expect(run('{{json .}}', { s: '<a&b>', n: null, m: new Map([['b', 1], ['a', 2]]) })).toBe('{"s":"\\u003ca\\u0026b\\u003e","n":null,"m":{"a":2,"b":1}}');
    expect(run('{{up .Name}}', DATA, { up: (s: unknown) => String(s).toUpperCase() })).toBe('PEER');
    expect(fails('{{bad 1}}').message).toBe('template: format:1: function "bad" not defined');
    // the template's functions hide the builtins of the same name (exec.go findFunction)
    expect(run('{{len .List}}', DATA, { len: () => 'mine' })).toBe('mine');
    expect(fails('{{json 1 2}}').message).toMatch(/at <json>: wrong number of args for json: want 1 got 2$/);
    expect(() => run('{{boom}}', DATA, { boom: () => { throw new Error('kaput'); } })).toThrow(/at <boom>: error calling boom: kaput$/);
  });
});

describe('printf (fmt verbs %v %s %d %t %q %x %f, flags - 0 +, width, precision)', () => {
  const p = (fmt: string, ...args: unknown[]) => run(`{{printf .F ${args.map((_, i) => `(index .A ${i})`).join(' ')}}}`, { F: fmt, A: args });
  it('width, - and precision on strings and values', () => {
    expect(p('[%-21v][%-11v][%5s][%.24s][%.2v]', '10.0.0.1:6783', 'established', 'ab', 'Connection limit reached (2), retry', 'xyz')).toBe(
      '[10.0.0.1:6783        ][established][   ab][Connection limit reached][xy]',
    );
    expect(p('%-3v|', 'é')).toBe('é  |');
  });
  it('integers, floats, booleans, nil; 0 pads numbers after the sign', () => {
    expect(p('%d %5d %-5d| %05d %+d %.3d %x %X %v', 42, 42, 42, -42, 7, 7, 255, 255, -3)).toBe('42    42 42   | -0042 +7 007 ff FF -3');
    expect(p('%f %.3f %04.1f %04.1f %.0f %.0f %.2f %v %v %v', 1.5, 2.0005, 5.25, 37.5, 0.5, 1.5, 1.005, 0.1, 1234567.5, 0.00001)).toBe(
      '1.500000 2.001 05.2 37.5 0 2 1.00 0.1 1.2345675e+06 1e-05',
    );
    expect(p('%t %v %v %5v|', true, false, null, null)).toBe('true false <nil> <nil>|');
  });
  it('%q quotes as strconv.Quote, %x of a string is its bytes in hex, %% is a percent sign', () => {
    expect(p('%q %q %x %d%%', 'a"b\n', 'é\u0001', 'hi', 50)).toBe('"a\\"b\\n" "é\\x01" 6869 50%');
  });
  it('slices and maps in %v (maps sorted)', () => {
    expect(run('{{.List}} {{.Map}} {{.Nil}} {{printf "%v|%s|%3v" .List .List .None}}')).toBe('[a b c] map[alpha:2 mid:x zeta:1] <nil> [a b c]|[a b c]|[]');
    expect(run('{{printf "%3v" .}}', [1, null])).toBe('[  1 <nil>]');
  });
  it('a verb that does not fit its argument, a missing or extra argument, or an unknown verb is an error', () => {
    for (const t of ['{{printf "%d" "s"}}', '{{printf "%s" 1}}', '{{printf "%d"}}', '{{printf "%d" 1 2}}', '{{printf "%e" 1.5}}', '{{printf "%#v" 1}}', '{{printf "%05s" "a"}}', '{{printf 1}}']) {
      expect(fails(t).message, t).toMatch(/^template: format:1:\d+: executing "format" at <printf>: error calling printf: /);
    }
  });
});

describe('errors: Go-like messages, and refusal of what is outside the subset', () => {
  it.each([
    ['{{if .T}}x', 'template: format:1: unexpected EOF'],
    ['{{end}}', 'template: format:1: unexpected {{end}}'],
    ['{{else}}', 'template: format:1: unexpected {{else}}'],
    ['{{.N', 'template: format:1: unclosed action'],
    ['{{"abc}}', 'template: format:1: unterminated quoted string'],
    ['{{(.N}}', 'template: format:1: unclosed left paren'],
    ['{{.N)}}', 'template: format:1: unexpected right paren'],
    ['{{if}}{{end}}', 'template: format:1: missing value for if'],
    ['{{.N =}}', 'template: format:1: unexpected "=" in operand'],
    ['{{if .T}}{{else}}{{else}}{{end}}', 'template: format:1: expected end; found {{else}}'],
    ['{{.N:}}', 'template: format:1: expected :='],
    ['a\nb\n{{end}}', 'template: format:3: unexpected {{end}}'],
    ['{{/* one\ntwo */}}\n{{"x}}', 'template: format:3: unterminated quoted string'],
  ])('%j does not parse: %s', (text, message) => {
    const e = fails(text);
    expect({ message: e.message, phase: e.phase }).toEqual({ message, phase: 'parse' });
  });

  it('exec errors carry the line and column of the node', () => {
    expect(fails('x\n  {{.Nope}}').message).toBe('template: format:2:4: executing "format" at <.Nope>: can\'t evaluate field Nope in type struct');
  });

  it.each(['{{define "x"}}{{end}}', '{{template "x"}}', '{{block "x" .}}{{end}}', '{{range .List}}{{break}}{{end}}', '{{range .List}}{{continue}}{{end}}', '{{range 3}}{{end}}'])(
    '%s is refused as outside the subset',
    (text) => {
      expect(fails(text).message).toMatch(/^template: format:.*not supported by the simulator/);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The templates weavectl sends, on the simulator's report object

/** v2.8.1 prog/weaver/http.go connectionsTemplate, verbatim (a Go raw string). */
const CONNECTIONS_TEMPLATE_SOURCE = `\\
{{range .Router.Connections}}\\
{{if .Outbound}}->{{else}}<-{{end}} {{printf "%-21v" .Address}} {{printf "%-11v" .State}} {{.Info}} {{range $key,$element := .Attrs}}{{if ne $key "name"}}{{$key}}={{$element}}{{end}}{{end}}
{{end}}\\
`;
/** http.go escape(): `strings.Replace(template, "\\\n", "", -1)` before parsing. */
const escape = (t: string) => t.split('\\\n').join('');
const CONNECTIONS_TEMPLATE = escape(CONNECTIONS_TEMPLATE_SOURCE);

/** weavectl: the connections whose Info does not start with "Connection limit reached". */
const CONNECTIONS_FILTER =
  '{{range .Router.Connections}}{{if ne (printf "%.24s" .Info) "Connection limit reached"}}{{if .Outbound}}->{{else}}<-{{end}} {{printf "%-21v" .Address}} {{printf "%-11v" .State}} {{.Info}} {{range $key,$element := .Attrs}}{{if ne $key "name"}}{{$key}}={{$element}}{{end}}{{end}}\n{{end}}{{end}}';

/** weavectl: the local peer, the range size, its active IPs, and the ring entries it owns or whose owner is unknown. */
const IPAM_TEMPLATE =
  '{{$me := .Router.Name}}{{if .IPAM}}{{$me}} {{.IPAM.RangeNumIPs}} {{.IPAM.ActiveIPs}}\n{{range .IPAM.Entries}}{{if or (eq .Peer $me) (not .IsKnownPeer)}}{{json .}}\n{{end}}{{end}}{{end}}';


const VIEWS: [string, WeaveView][] = [
  ['a healthy cluster', clusterView(4)],
  ['encryption (WEAVE_PASSWORD)', clusterView(4, { encryption: true })],
  ['sleeve (WEAVE_NO_FASTDP)', clusterView(4, { noFastdp: true })],
  ['encrypted sleeve', clusterView(3, { noFastdp: true, encryption: true })],
  ['CONN_LIMIT=2 on 6 peers', clusterView(6, { connLimit: 2 })],
  ['a path MTU fault (sleeve fallback on one link) and a partition', clusterView(4, { pathMtu: (a, b) => (a === 'node-1' || b === 'node-1' ? 1300 : undefined), partitioned: (a, b) => [a, b].sort().join() === 'node-2,node-4' })],
  ['an unreachable peer', clusterView(4, { unreachable: new Set(['node-3']) })],
];

describe("weave's connectionsTemplate (v2.8.1 prog/weaver/http.go) on the report object = `weave --local status connections`", () => {
  it('the template text is the one http.go parses (escape() drops the backslash-newlines)', () => {
    expect(CONNECTIONS_TEMPLATE.startsWith('{{range .Router.Connections}}{{if .Outbound}}')).toBe(true);
    expect(CONNECTIONS_TEMPLATE.endsWith('{{end}}{{end}}\n{{end}}')).toBe(true);
  });
  it.each(VIEWS)('%s: byte for byte on every node', (_name, view) => {
    for (const node of view.nodes) {
      const fromReport = execGoTemplate(CONNECTIONS_TEMPLATE, weaveReportObject(view, node.name), json);
      expect(fromReport, node.name).toBe(weaveStatusConnections(view, node.name));
    }
  });
  it('encrypted connections carry encrypted=true in Attrs (mesh status.go: attrs["encrypted"] = true)', () => {
    const text = execGoTemplate(CONNECTIONS_TEMPLATE, weaveReportObject(clusterView(2, { encryption: true }), 'node-1'), json);
    expect(text).toMatch(/<- 10\.200\.33\.11:\d+ +established encrypted {3}fastdp .* encrypted=truemtu=1376\n/);
  });
});

describe('the Attrs of the report object', () => {
  it('name is the overlay the connection uses, as its Info says (sleeve on a link whose path MTU made fastdp fall back)', () => {
    const view = VIEWS.find(([n]) => n.startsWith('a path MTU'))![1];
    const pairs = execGoTemplate('{{range .Router.Connections}}{{with .Attrs}}{{$.Router.NickName}} {{.name}} {{.mtu}}\n{{end}}{{end}}', weaveReportObject(view, 'node-2'), json);
    // node-2's link to node-1 falls back to sleeve at 1238 (1300 less sleeve's 62); node-3 is fastdp; node-4 is partitioned (no Attrs)
    expect(pairs).toBe('node-2 sleeve 1238\nnode-2 fastdp 1376\n');
    const infos = execGoTemplate('{{range .Router.Connections}}{{if .Attrs}}{{printf "%.6s" .Info}}={{.Attrs.name}}\n{{end}}{{end}}', weaveReportObject(view, 'node-2'), json);
    expect(infos).toBe('sleeve=sleeve\nfastdp=fastdp\n');
  });
});

describe('weavectl filter: connectionsTemplate without the "Connection limit reached" targets', () => {
  it.each(VIEWS)('%s: exactly the other lines of status connections', (_name, view) => {
    let dropped = 0;
    for (const node of view.nodes) {
      const lines = weaveStatusConnections(view, node.name).split(/(?<=\n)/);
      // "-> " + address padded to 21 + " " + state padded to 11 + " " + Info
      const kept = lines.filter((l) => !l.slice(3 + 21 + 1 + 11 + 1).startsWith('Connection limit reached'));
      dropped += lines.length - kept.length;
      expect(execGoTemplate(CONNECTIONS_FILTER, weaveReportObject(view, node.name), json), node.name).toBe(kept.join(''));
    }
    expect(dropped > 0).toBe(view.connLimit === 2);
  });
});

describe('weavectl IPAM template: the local peer and the ring entries it owns or whose owner is unknown', () => {
  const expected = (view: WeaveView, node: string) => {
    const r = weaveReportObject(view, node) as { Router: { Name: string }; IPAM: { RangeNumIPs: number; ActiveIPs: number; Entries: { Peer: string; IsKnownPeer: boolean }[] | null } };
    const me = r.Router.Name;
    const entries = (r.IPAM.Entries ?? []).filter((e) => e.Peer === me || !e.IsKnownPeer);
    return { text: `${me} ${r.IPAM.RangeNumIPs} ${r.IPAM.ActiveIPs}\n${entries.map((e) => `${JSON.stringify(e)}\n`).join('')}`, entries };
  };
  it('on a healthy cluster: each peer lists its own entries', () => {
    const view = clusterView(4);
    const out = execGoTemplate(IPAM_TEMPLATE, weaveReportObject(view, 'node-2'), json);
    const { text, entries } = expected(view, 'node-2');
    expect(out).toBe(text);
    expect(entries.length).toBeGreaterThan(0);
    expect(out.split('\n')[0]).toMatch(/^[0-9a-f:]{17} 16384 \d+$/);
    expect(JSON.parse(out.split('\n')[1]!)).toMatchObject({ Nickname: 'node-2', IsKnownPeer: true });
  });
  it("with an unreachable peer: its entries too (IsKnownPeer false), from another peer's view", () => {
    const view = clusterView(4, { unreachable: new Set(['node-3']) });
    const out = execGoTemplate(IPAM_TEMPLATE, weaveReportObject(view, 'node-1'), json);
    expect(out).toBe(expected(view, 'node-1').text);
    const nicks = out.trim().split('\n').slice(1).map((l) => JSON.parse(l).Nickname);
    expect(new Set(nicks)).toEqual(new Set(['node-1', 'node-3']));
  });
  it('awaiting consensus: Entries is null, so only the first line', () => {
    const view = clusterView(3, { awaitingConsensus: true });
    expect(execGoTemplate(IPAM_TEMPLATE, weaveReportObject(view, 'node-1'), json)).toMatch(/^[0-9a-f:]{17} 16384 \d+\n$/);
  });
});

describe('weave --local report -f (weaveReportFormat) answers as http.go /report?format= and the weave script', () => {
  const view = clusterView(3);
  it('the output on stdout', () => {
    expect(weaveReportFormat(view, 'node-1', '{{.Router.NickName}} {{len .Router.Connections}}')).toEqual({ stdout: 'node-1 3', stderr: '', exitCode: 0 });
  });
  it("sysdump's NODE_REPORT_TEMPLATE gives the same values as the /report JSON", () => {
    const v = clusterView(3, { encryption: true });
    const r = weaveReportFormat(v, 'node-2', NODE_REPORT_TEMPLATE);
    expect(r.exitCode).toBe(0);
    const full = JSON.parse(JSON.stringify(weaveReportObject(v, 'node-2')));
    const part = JSON.parse(r.stdout);
    expect(part.IPAM).toEqual(full.IPAM);
    expect(part.Router.Connections).toEqual(full.Router.Connections);
    expect(part.Router.Connections.find((c: { State: string }) => c.State === 'established').Attrs).toEqual({ encrypted: true, mtu: 1376, name: 'fastdp' });
    expect(part.Router.Targets).toEqual(full.Router.Targets);
  });
  it('a parse error: the 400 body (err.Error()) on stderr, exit 1', () => {
    expect(weaveReportFormat(view, 'node-1', '{{.Router')).toEqual({ stdout: '', stderr: 'template: format:1: unclosed action\n', exitCode: 1 });
  });
  it('an execution error before any output: the 500 body "error during template execution" on stderr, exit 1', () => {
    expect(weaveReportFormat(view, 'node-1', '{{.Router.Nope}}')).toEqual({ stdout: '', stderr: 'error during template execution\n', exitCode: 1 });
  });
  it('an execution error after some output: 200 was already sent, the message follows the output on stdout, exit 0', () => {
    expect(weaveReportFormat(view, 'node-1', 'ok {{.DNS.Entries}}')).toEqual({ stdout: 'ok error during template execution\n', stderr: '', exitCode: 0 });
  });
});
