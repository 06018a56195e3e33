// Turns the raw runs into the summary: per metric the median and spread of each server, the
// ratio of every round (the scenario's first server over its second: cohora / baseline unless
// the scenario compares two setups of cohora), and a verdict against the lead's targets.
import { spread } from './stats.mjs';

/** What a scenario compares when it does not say: cohora against the in-memory baseline. */
export const DEFAULT_SERVERS = [
  { kind: 'cohora', label: 'cohora' },
  { kind: 'baseline', label: 'baseline' },
];

/**
 * Targets: `min`/`max` bound the median ratio (first server / second), `absMin`/`absMax`
 * bound the first server's own median.
 */
function verdict(target, cohora, ratio) {
  if (!target) return undefined;
  const checks = [];
  if (target.min !== undefined) checks.push([ratio, ratio >= target.min]);
  if (target.max !== undefined) checks.push([ratio, ratio <= target.max]);
  if (target.absMin !== undefined) checks.push([cohora, cohora >= target.absMin]);
  if (target.absMax !== undefined) checks.push([cohora, cohora <= target.absMax]);
  if (checks.some(([value]) => !Number.isFinite(value))) return undefined;
  return checks.every(([, ok]) => ok) ? 'pass' : 'FAIL';
}

/** `subject` names the first server, whose own value `absMin`/`absMax` bound. */
export function describeTarget(target, subject = 'cohora') {
  if (!target) return '';
  const parts = [];
  if (target.min !== undefined) parts.push(`ratio ≥ ${target.min}`);
  if (target.max !== undefined) parts.push(`ratio ≤ ${target.max}`);
  if (target.absMin !== undefined) parts.push(`${subject} ≥ ${target.absMin}`);
  if (target.absMax !== undefined) parts.push(`${subject} ≤ ${target.absMax}`);
  return parts.join(', ');
}

/**
 * Per metric: the first server's values (`subject`), the second's (`reference`), the ratio of
 * each round, and the verdict.
 */
export function summarizeScenario(metricDefs, runs, rounds, servers = DEFAULT_SERVERS) {
  const valuesOf = (kind, key) =>
    Array.from({ length: rounds }, (_, r) => runs.find((run) => run.kind === kind && run.round === r + 1)?.metrics?.[key] ?? NaN);
  const [first, second] = servers;
  return metricDefs.map((def) => {
    const subject = valuesOf(first.kind, def.key);
    const reference = valuesOf(second.kind, def.key);
    const ratios = subject.map((c, r) => c / reference[r]);
    const summary = {
      ...def,
      subject: { ...spread(subject), values: subject },
      reference: { ...spread(reference), values: reference },
      ratio: { ...spread(ratios), values: ratios },
    };
    summary.verdict = verdict(def.target, summary.subject.median, summary.ratio.median);
    return summary;
  });
}
