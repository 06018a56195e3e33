// Turns the raw runs into the summary: per metric the median and spread of each server, the
// cohora/baseline ratio of every round, and a verdict against the lead's targets.
import { spread } from './stats.mjs';

/**
 * Targets: `min`/`max` bound the median cohora/baseline ratio, `absMin`/`absMax` bound
 * cohora's own median.
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

export function describeTarget(target) {
  if (!target) return '';
  const parts = [];
  if (target.min !== undefined) parts.push(`ratio ≥ ${target.min}`);
  if (target.max !== undefined) parts.push(`ratio ≤ ${target.max}`);
  if (target.absMin !== undefined) parts.push(`cohora ≥ ${target.absMin}`);
  if (target.absMax !== undefined) parts.push(`cohora ≤ ${target.absMax}`);
  return parts.join(', ');
}

export function summarizeScenario(metricDefs, runs, rounds) {
  const valuesOf = (kind, key) =>
    Array.from({ length: rounds }, (_, r) => runs.find((run) => run.kind === kind && run.round === r + 1)?.metrics?.[key] ?? NaN);
  return metricDefs.map((def) => {
    const cohora = valuesOf('cohora', def.key);
    const baseline = valuesOf('baseline', def.key);
    const ratios = cohora.map((c, r) => c / baseline[r]);
    const summary = {
      ...def,
      cohora: { ...spread(cohora), values: cohora },
      baseline: { ...spread(baseline), values: baseline },
      ratio: { ...spread(ratios), values: ratios },
    };
    summary.verdict = verdict(def.target, summary.cohora.median, summary.ratio.median);
    return summary;
  });
}
