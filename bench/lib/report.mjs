// Writes the summary as Markdown (bench/results/latest.md) and JSON (timestamped + latest).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SERVERS, describeTarget } from './summary.mjs';

export function fmt(value) {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

const cell = ({ median, min, max, n }) => (n > 1 ? `${fmt(median)} (${fmt(min)}–${fmt(max)})` : fmt(median));

export function toMarkdown(summary) {
  const lines = [];
  const m = summary.machine;
  lines.push(`# cohora benchmark: ${summary.mode} mode`);
  lines.push('');
  lines.push(
    `${summary.startedAt} · ${summary.rounds} round(s) per scenario · ${fmt(summary.durationSec)} s · ` +
      `node ${m.node}, ${m.cpus} cores, server ${m.serverPinned ? 'pinned to core 0' : 'not pinned (no taskset or one core)'}, ` +
      `generator ${m.generatorPinned ? 'pinned to core 1' : 'not pinned'}`,
  );
  lines.push('');
  lines.push(`**Correctness: ${summary.ok ? 'every run lost, duplicated, misrouted and reordered nothing' : 'FAILED, see below'}.**`);
  lines.push('');
  lines.push('Values are medians with the min–max over rounds; ratio = cohora / baseline (or as a scenario says), per round, each pair measured back to back.');
  for (const [name, scenario] of Object.entries(summary.scenarios)) {
    lines.push('');
    lines.push(`## ${name}`);
    lines.push('');
    const [subject, reference] = scenario.servers ?? DEFAULT_SERVERS;
    const notes = subject.kind === 'cohora' ? scenario.notes : [`ratio = ${subject.label} / ${reference.label}, per round`, ...scenario.notes];
    for (const note of notes) lines.push(`- ${note}`);
    if (notes.length) lines.push('');
    lines.push(`| metric | ${subject.label} | ${reference.label} | ratio per round | ratio | target |`);
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const row of scenario.metrics) {
      const perRound = row.ratio.values.map(fmt).join(', ');
      const target = row.target ? `${describeTarget(row.target, subject.label)}: **${row.verdict ?? '?'}**` : '';
      lines.push(`| ${row.label} (${row.unit}) | ${cell(row.subject)} | ${cell(row.reference)} | ${perRound} | ${fmt(row.ratio.median)} | ${target} |`);
    }
  }
  lines.push('');
  lines.push('## Correctness per run');
  lines.push('');
  lines.push('| scenario | server | round | ok | lost | duplicated | misrouted | out of order | send errors | server log lines ≥ warn |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const problems = [];
  for (const [name, scenario] of Object.entries(summary.scenarios)) {
    for (const run of scenario.runs) {
      const c = run.correctness ?? {};
      const n = (v) => (v === undefined ? '–' : String(v));
      lines.push(
        `| ${name} | ${run.kind} | ${run.round} | ${c.ok ? 'yes' : '**NO**'} | ${n(c.lost)} | ${n(c.duplicated)} | ${n(c.misrouted)} | ${n(c.outOfOrder)} | ${n(c.sendErrors)} | ${run.serverLogLines} |`,
      );
      const details = [...(run.error ? [`error: ${run.error}`] : []), ...(c.examples ?? []), ...run.serverLog.slice(0, 3)];
      if (details.length) problems.push(`- ${name} / ${run.kind} / round ${run.round}: ${details.slice(0, 6).map((d) => `\`${d.replaceAll('`', "'")}\``).join('; ')}`);
    }
  }
  if (problems.length) {
    lines.push('');
    lines.push('### Problems and server log lines (first few)');
    lines.push('');
    lines.push(...problems);
  }
  lines.push('');
  return lines.join('\n');
}

export function writeResults(dir, summary) {
  mkdirSync(dir, { recursive: true });
  const stamp = summary.startedAt.replaceAll(':', '-').replace(/\..*$/, '');
  const json = JSON.stringify(summary, null, 2);
  const files = {
    json: join(dir, `${stamp}-${summary.mode}.json`),
    latestJson: join(dir, 'latest.json'),
    markdown: join(dir, 'latest.md'),
  };
  writeFileSync(files.json, json);
  writeFileSync(files.latestJson, json);
  writeFileSync(files.markdown, toMarkdown(summary));
  return files;
}
