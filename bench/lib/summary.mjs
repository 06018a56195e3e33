// Turns the raw runs into the summary: per metric the median and spread over rounds of each
// server, the per-round ratios of the scenario's subject to each of its baselines (and of each
// variant to the subject), and a verdict against every target.
import { VARIANTS } from './cohora-config.mjs';
import { spread } from './stats.mjs';

/**
 * What a scenario compares when it does not say: cohora against both baselines. `role` says
 * how a server is read: the `subject` is measured against every `baseline`; a `variant` (cohora
 * in another configuration) is measured against the subject.
 */
export const DEFAULT_SERVERS = Object.freeze([
  { kind: 'cohora', label: 'cohora', role: 'subject' },
  { kind: 'floor', label: 'floor (Nest, in memory)', short: 'floor', role: 'baseline' },
  { kind: 'bare', label: 'bare (node:http + ws)', short: 'bare', role: 'baseline' },
]);

/** The default servers with cohora's `variants` (kinds of cohora-config.mjs's VARIANTS) after cohora. */
export function withVariants(variants) {
  const [subject, ...baselines] = DEFAULT_SERVERS;
  return [subject, ...variants.map((kind) => ({ kind, label: VARIANTS[kind].label, short: kind, role: 'variant' })), ...baselines];
}

/** How a server is named in a ratio: `cohora / floor`. */
export const shortName = (server) => server && (server.short ?? server.label);

/** `a/b`: the ratio key of `a` over `b`. */
export const ratioKey = (a, b) => `${a}/${b}`;

/** The comparisons a scenario's servers make: the subject over each baseline, each variant over the subject. */
export function comparisonsOf(servers) {
  const subject = servers.find((server) => server.role === 'subject') ?? servers[0];
  const others = servers.filter((server) => server !== subject);
  return [
    ...others.filter((server) => server.role !== 'variant').map((baseline) => ({ of: subject, to: baseline, kind: 'baseline' })),
    ...others.filter((server) => server.role === 'variant').map((variant) => ({ of: variant, to: subject, kind: 'variant' })),
  ];
}

/**
 * A target bounds a metric: `against` names the baseline kind whose ratio `min`/`max` bound
 * (subject / that baseline, median of the per-round ratios); without `against`, `absMin` and
 * `absMax` bound the subject's own median. `onlyIf: { kind, key }` makes the target apply only
 * when that server's median of `key` is 1 (e.g. the floor sustained the rate), else 'n/a'.
 */
export function describeTarget(target, subject = 'cohora', servers = DEFAULT_SERVERS) {
  const label = (kind) => shortName(servers.find((server) => server.kind === kind)) ?? kind;
  const parts = [];
  if (target.min !== undefined) parts.push(`${subject} / ${label(target.against)} ≥ ${target.min}`);
  if (target.max !== undefined) parts.push(`${subject} / ${label(target.against)} ≤ ${target.max}`);
  if (target.absMin !== undefined) parts.push(`${subject} ≥ ${target.absMin}`);
  if (target.absMax !== undefined) parts.push(`${subject} ≤ ${target.absMax}`);
  const text = parts.join(', ');
  return target.onlyIf ? `${text} (${target.onlyIf.label ?? `if ${target.onlyIf.kind} ${target.onlyIf.key}`})` : text;
}

function verdict(target, metric, medianOf) {
  if (target.onlyIf && !(medianOf(target.onlyIf.kind, target.onlyIf.key) >= 1)) return 'n/a';
  const own = metric.values[metric.subjectKind].median;
  const ratio = target.against ? metric.ratios[ratioKey(metric.subjectKind, target.against)]?.median : undefined;
  const checks = [];
  if (target.min !== undefined) checks.push([ratio, ratio >= target.min]);
  if (target.max !== undefined) checks.push([ratio, ratio <= target.max]);
  if (target.absMin !== undefined) checks.push([own, own >= target.absMin]);
  if (target.absMax !== undefined) checks.push([own, own <= target.absMax]);
  if (checks.some(([value]) => !Number.isFinite(value))) return '?';
  return checks.every(([, ok]) => ok) ? 'pass' : 'FAIL';
}

/**
 * Per metric: each server's values over rounds (`values[kind]`), the per-round ratios of every
 * comparison (`ratios['a/b']`), and one verdict per target (`verdicts`). A metric's targets
 * are `targets` (a list) or `target` (one).
 */
export function summarizeScenario(metricDefs, runs, rounds, servers = DEFAULT_SERVERS) {
  const valuesOf = (kind, key) =>
    Array.from({ length: rounds }, (_, r) => runs.find((run) => run.kind === kind && run.round === r + 1)?.metrics?.[key] ?? NaN);
  const medianOf = (kind, key) => spread(valuesOf(kind, key)).median;
  const comparisons = comparisonsOf(servers);
  const subjectKind = (servers.find((server) => server.role === 'subject') ?? servers[0]).kind;
  return metricDefs.map(({ target, targets, ...def }) => {
    const raw = Object.fromEntries(servers.map(({ kind }) => [kind, valuesOf(kind, def.key)]));
    const metric = {
      ...def,
      targets: targets ?? (target ? [target] : []),
      subjectKind,
      values: Object.fromEntries(Object.entries(raw).map(([kind, values]) => [kind, { ...spread(values), values }])),
      ratios: {},
    };
    for (const { of, to } of comparisons) {
      const values = raw[of.kind].map((value, r) => value / raw[to.kind][r]);
      metric.ratios[ratioKey(of.kind, to.kind)] = { ...spread(values), values };
    }
    metric.verdicts = metric.targets.map((t) => ({ target: describeTarget(t, shortName(servers.find((s) => s.kind === subjectKind)), servers), verdict: verdict(t, metric, medianOf) }));
    return metric;
  });
}
