// Writes the summary as Markdown (bench/results/latest.md) and JSON (timestamped + latest).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnv } from './cohora-config.mjs';
import { comparisonsOf, DEFAULT_SERVERS, ratioKey, shortName } from './summary.mjs';

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
  lines.push(
    'Values are medians with the min–max over rounds. A ratio is computed per round, each pair measured back to back, then given as the median (min–max) of the rounds. ' +
      'Baselines: **floor** is the smallest Nest app (platform-express + platform-ws) that speaks the protocol in memory, with no validation and nothing durable; ' +
      '**bare** is node:http + ws doing the same. cohora / floor is what cohora\'s own work costs on top of the framework; cohora / bare adds the framework.',
  );
  lines.push(...targetsTable(summary));
  lines.push(...configurationSection(summary));
  for (const [name, scenario] of Object.entries(summary.scenarios)) {
    const servers = scenario.servers ?? DEFAULT_SERVERS;
    const comparisons = comparisonsOf(servers);
    const shown = servers.filter((server) => server.role !== 'variant');
    const against = comparisons.filter((c) => c.kind === 'baseline');
    lines.push('');
    lines.push(`## ${name}`);
    lines.push('');
    for (const note of scenario.notes) lines.push(`- ${note}`);
    if (scenario.notes.length) lines.push('');
    // A scenario without baselines (presence) has no ratio columns.
    lines.push(`| ${['metric', ...shown.map((s) => s.label), ...against.map(ratioLabel), 'target'].join(' | ')} |`);
    lines.push(`| --- |${' --- |'.repeat(shown.length + against.length + 1)}`);
    for (const row of scenario.metrics) {
      const targets = row.verdicts.map(({ target, verdict }) => `${target}: **${verdict}**`).join('; ');
      lines.push(
        `| ${[`${row.label} (${row.unit})`, ...shown.map((s) => cell(row.values[s.kind])), ...against.map((c) => cell(row.ratios[ratioKey(c.of.kind, c.to.kind)])), targets].join(' | ')} |`,
      );
    }
    const variants = comparisons.filter((c) => c.kind === 'variant');
    if (variants.length) {
      lines.push('');
      lines.push(`What cohora's default configuration costs: each variant of the bench configuration against it (see "cohora's configuration").`);
      lines.push('');
      lines.push(`| metric | ${variants[0].to.label} | ${variants.map((c) => `${c.of.label} | ${ratioLabel(c)}`).join(' | ')} |`);
      lines.push(`| --- | --- |${' --- | --- |'.repeat(variants.length)}`);
      for (const row of scenario.metrics) {
        lines.push(`| ${row.label} (${row.unit}) | ${cell(row.values[variants[0].to.kind])} | ${variants.map((c) => `${cell(row.values[c.of.kind])} | ${cell(row.ratios[ratioKey(c.of.kind, c.to.kind)])}`).join(' | ')} |`);
      }
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

const ratioLabel = ({ of, to }) => `${shortName(of)} / ${shortName(to)}`;

/** The report's lead: every target of every scenario, with the ratio it bounds and its verdict. */
function targetsTable(summary) {
  const rows = [];
  for (const [name, scenario] of Object.entries(summary.scenarios)) {
    for (const metric of scenario.metrics) {
      metric.targets.forEach((target, i) => {
        const ratio = target.against ? metric.ratios[ratioKey(metric.subjectKind, target.against)] : undefined;
        const own = metric.values[metric.subjectKind];
        const measured = ratio ? `${cell(ratio)} ×` : `${cell(own)} ${metric.unit}`;
        rows.push(`| ${name} | ${metric.label} | ${metric.verdicts[i].target} | ${measured} | **${metric.verdicts[i].verdict}** |`);
      });
    }
  }
  if (!rows.length) return [];
  return ['', '## Targets', '', '| scenario | metric | target | measured | verdict |', '| --- | --- | --- | --- | --- |', ...rows];
}

/** What cohora ran with: the bench configuration, and each variant's changes to it. */
function configurationSection(summary) {
  const { config } = summary;
  if (!config) return [];
  const lines = ['', "## cohora's configuration", ''];
  lines.push(`Every cohora process (single, PM2 workers, on PostgreSQL) ran with: \`${describeEnv(config.bench)}\`, and ${config.unset.join(', ')} unset. PORT, HOST, DATA_DIR and the store and bus variables are per run; a scenario that changes anything else says so in its notes.`);
  const used = new Set(Object.values(summary.scenarios).flatMap((s) => (s.servers ?? []).map((server) => server.kind)));
  for (const [kind, variant] of Object.entries(config.variants)) {
    if (used.has(kind)) lines.push(`- **${kind}** (${variant.label}): ${variant.describe}; that is \`${describeEnv(variant.env)}\` over it.`);
  }
  return lines;
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
