import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { summarize, type CheckOutcome } from '../../src/check/framework.js';
import { checkJson, renderCheckJson, renderCheckText, resultLines, summaryLine, TextCheckPrinter } from '../../src/check/render.js';

const outcomes: CheckOutcome[] = [
  { id: 'kubernetes-api-reachable', category: 'kubernetes-api', description: 'can reach the Kubernetes API', result: { status: 'ok' } },
  {
    id: 'kubernetes-version',
    category: 'kubernetes-version',
    description: 'runs a Kubernetes version Weave Net has a manifest for',
    result: { status: 'ok', message: 'Kubernetes v1.7.5: Weave Net 2.7.0 manifest for Kubernetes 1.7', hint: 'not shown for ok' },
  },
  {
    id: 'ip-ranges-nodes',
    category: 'ip-ranges',
    description: 'the pod range holds no node address',
    result: { status: 'fail', message: 'pod range 10.32.0.0/12 holds node a', hint: 'choose another range' },
  },
  {
    id: 'ip-ranges-kube-proxy',
    category: 'ip-ranges',
    description: "kube-proxy's --cluster-cidr matches the pod range",
    result: { status: 'warn', message: 'line one\nline two' },
  },
  { id: 'ip-ranges-services', category: 'ip-ranges', description: 'the pod range does not overlap the service range', result: { status: 'skip', message: 'not visible' } },
];

describe('text', () => {
  it('linkerd layout: categories, glyphs, indented message and hint, summary', () => {
    expect(renderCheckText(summarize(outcomes))).toBe(
      [
        'kubernetes-api',
        '--------------',
        '√ can reach the Kubernetes API',
        '',
        'kubernetes-version',
        '------------------',
        '√ runs a Kubernetes version Weave Net has a manifest for',
        '    Kubernetes v1.7.5: Weave Net 2.7.0 manifest for Kubernetes 1.7',
        '',
        'ip-ranges',
        '---------',
        '× the pod range holds no node address',
        '    pod range 10.32.0.0/12 holds node a',
        '    hint: choose another range',
        "‼ kube-proxy's --cluster-cidr matches the pod range",
        '    line one',
        '    line two',
        '- the pod range does not overlap the service range',
        '    not visible',
        '',
        'Status check results are ×',
      ].join('\n'),
    );
  });

  it('the summary glyph: √ all ok, ‼ warnings only, × any failure', () => {
    expect(summaryLine(summarize([outcomes[0]!]))).toBe('Status check results are √');
    expect(summaryLine(summarize([outcomes[0]!, outcomes[3]!]))).toBe('Status check results are ‼');
    expect(summaryLine(summarize(outcomes))).toBe('Status check results are ×');
  });

  it('colours glyphs when asked', () => {
    const c = new Chalk({ level: 1 });
    expect(resultLines(outcomes[2]!, c)[0]).toBe(`${c.red('×')} the pod range holds no node address`);
    expect(resultLines(outcomes[0]!, c)[0]).toBe(`${c.green('√')} can reach the Kubernetes API`);
  });

  it('the streaming printer writes the same as the whole-report renderer', () => {
    const lines: string[] = [];
    const p = new TextCheckPrinter((t) => lines.push(t));
    for (const o of outcomes) p.result(o);
    p.summary(summarize(outcomes));
    expect(lines.join('\n')).toBe(renderCheckText(summarize(outcomes)));
  });
});

describe('json', () => {
  it('the documented shape', () => {
    const j = checkJson(summarize(outcomes));
    expect(j).toEqual({
      success: false,
      categories: [
        { name: 'kubernetes-api', checks: [{ id: 'kubernetes-api-reachable', description: 'can reach the Kubernetes API', result: 'ok' }] },
        {
          name: 'kubernetes-version',
          checks: [
            {
              id: 'kubernetes-version',
              description: 'runs a Kubernetes version Weave Net has a manifest for',
              result: 'ok',
              message: 'Kubernetes v1.7.5: Weave Net 2.7.0 manifest for Kubernetes 1.7',
              hint: 'not shown for ok',
            },
          ],
        },
        {
          name: 'ip-ranges',
          checks: [
            { id: 'ip-ranges-nodes', description: 'the pod range holds no node address', result: 'error', message: 'pod range 10.32.0.0/12 holds node a', hint: 'choose another range' },
            { id: 'ip-ranges-kube-proxy', description: "kube-proxy's --cluster-cidr matches the pod range", result: 'warning', message: 'line one\nline two' },
            { id: 'ip-ranges-services', description: 'the pod range does not overlap the service range', result: 'skipped', message: 'not visible' },
          ],
        },
      ],
    });
    expect(JSON.parse(renderCheckJson(summarize(outcomes)))).toEqual(j);
    expect(checkJson(summarize(outcomes.slice(0, 2))).success).toBe(true);
    expect(checkJson(summarize([outcomes[3]!])).success).toBe(true); // warnings alone succeed
  });
});
