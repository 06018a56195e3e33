// cohora's benchmark: runs each scenario against cohora and the two in-tree baselines (the Nest
// floor and bare node:http + ws), alternating, each server fresh, and reports medians, spreads
// and the ratios cohora/floor and cohora/bare.
// Usage: node bench/run.mjs [--full] [--smoke] [--json] [--scenario|--only name[,name]] [--rounds N] [--profile]
//        [--servers cohora,floor]
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_CONFIG, UNSET, VARIANTS } from './lib/cohora-config.mjs';
import { FD_RESERVE, openFileLimit } from './lib/fd-limit.mjs';
import { MODES } from './lib/modes.mjs';
import { CLK_TCK } from './lib/proc-stats.mjs';
import { Progress } from './lib/progress.mjs';
import { toMarkdown, writeResults } from './lib/report.mjs';
import { isCohora, pinGenerator, PINNING, startServer, stopAllServers } from './lib/servers.mjs';
import { DEFAULT_SERVERS, summarizeScenario } from './lib/summary.mjs';
import * as cluster from './scenarios/cluster.mjs';
import * as connections from './scenarios/connections.mjs';
import * as drain from './scenarios/drain.mjs';
import * as latency from './scenarios/latency.mjs';
import * as presence from './scenarios/presence.mjs';
import * as scale from './scenarios/scale.mjs';
import * as socketSends from './scenarios/socket-sends.mjs';
import * as store from './scenarios/store.mjs';
import * as throughput from './scenarios/throughput.mjs';

export const SCENARIOS = { throughput, latency, connections, drain, scale, cluster, store, 'socket-sends': socketSends, presence };
const RESULTS_DIR = join(import.meta.dirname, 'results');

/**
 * Runs the benchmark and resolves with the summary object (see README.md, "Reading the
 * results"). Options: `mode` ('quick' | 'full' | 'smoke'), `scenarios` (names), `rounds`,
 * `write` (results files; default: not in smoke), `pin` (pin this process to core 1;
 * default: not in smoke), `quiet` (no progress line), `profile` (a V8 CPU profile of every
 * cohora process the single-process scenarios start, in bench/results/profiles/<time>/),
 * `servers` (kinds: only those of each scenario's servers run; default: all).
 */
export async function runBench(options = {}) {
  const mode = options.mode ?? 'quick';
  const sizes = MODES[mode];
  if (!sizes) throw new Error(`unknown mode ${mode}`);
  const names = options.scenarios?.length ? options.scenarios : Object.keys(SCENARIOS);
  for (const name of names) if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const rounds = options.rounds ?? sizes.rounds;
  const serversOf = (name) => chosenServers(name, options.servers);
  const pinned = (options.pin ?? mode !== 'smoke') && pinGenerator();

  const plan = [];
  for (const name of names) {
    for (let round = 1; round <= rounds; round++) {
      // Alternate who goes first, so drift over time (heat, page cache) hits both alike.
      const kinds = serversOf(name).map((server) => server.kind);
      const order = round % 2 === 1 ? kinds : [...kinds].reverse();
      for (const kind of order) plan.push({ name, round, kind });
    }
  }
  const progress = new Progress(
    plan.map(({ name, kind }) => 1.5 + SCENARIOS[name].estimateSeconds(sizes[name], kind)),
    options.quiet,
  );

  const startedAt = new Date();
  const profileDir = options.profile ? join(RESULTS_DIR, 'profiles', startedAt.toISOString().replaceAll(':', '-').replace(/\..*$/, '')) : undefined;
  const runs = [];
  for (const step of plan) {
    progress.next(`${step.name} · ${step.kind} · round ${step.round}/${rounds}`);
    runs.push(await runOne(step, sizes[step.name], progress, profileDir));
  }
  progress.done();

  const scenarios = {};
  for (const name of names) {
    const scenario = SCENARIOS[name];
    const config = sizes[name];
    const scenarioRuns = runs.filter((run) => run.name === name);
    const metricDefs = scenario.metrics ?? scenario.metricsFor(config);
    scenarios[name] = {
      config,
      servers: serversOf(name),
      notes: [...notesFor(name, mode, config, scenarioRuns), ...(scenario.notes?.(config, mode, scenarioRuns) ?? [])],
      metrics: summarizeScenario(metricDefs, scenarioRuns, rounds, serversOf(name)),
      runs: scenarioRuns,
    };
  }
  const summary = {
    mode,
    rounds,
    startedAt: startedAt.toISOString(),
    durationSec: (Date.now() - startedAt.getTime()) / 1000,
    ok: runs.every((run) => run.correctness?.ok === true),
    ...(profileDir ? { profiles: profileDir } : {}),
    machine: { node: process.versions.node, cpus: cpus().length, serverPinned: PINNING, generatorPinned: pinned, clkTck: CLK_TCK, openFileLimit: openFileLimit() },
    config: { bench: BENCH_CONFIG, unset: UNSET, variants: VARIANTS },
    scenarios,
  };
  if (options.write ?? mode !== 'smoke') summary.files = writeResults(RESULTS_DIR, summary);
  return summary;
}

/**
 * The setups a scenario compares: cohora against the floor and bare unless it says otherwise
 * (see summary.mjs), narrowed to `kinds` when given (a quicker look at one comparison).
 */
function chosenServers(name, kinds) {
  const all = SCENARIOS[name].servers ?? DEFAULT_SERVERS;
  return kinds?.length ? all.filter((server) => kinds.includes(server.kind)) : all;
}

/** One scenario against one fresh server; a failure is recorded, never thrown, so the others still run. */
async function runOne({ name, round, kind }, config, progress, profileDir) {
  const scenario = SCENARIOS[name];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const record = { name, round, kind };
  let server;
  try {
    if (scenario.startServer) server = await scenario.startServer(kind, config);
    else {
      const env = isCohora(kind) ? (scenario.serverEnv?.(config) ?? {}) : {};
      // node writes the profile when the process exits, which cohora does on the bench's SIGTERM.
      const nodeArgs = profileDir && isCohora(kind) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${kind}-round${round}.cpuprofile`] : [];
      server = await startServer(kind, env, { ...scenario.serverOptions, nodeArgs });
    }
    record.config = server.config;
    Object.assign(record, await scenario.run(server, config, { progress }));
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    record.correctness = { ok: false, examples: [] };
  } finally {
    await server?.stop();
  }
  const wall = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu0);
  record.durationSec = wall;
  // Near 1.0 the generator, not the server, set the pace: read throughput numbers with that in mind.
  record.generatorCpuUtil = (user + system) / 1e6 / wall;
  record.serverLogLines = server?.warningCount ?? 0;
  record.serverLog = server?.warnings ?? [];
  return record;
}

function notesFor(name, mode, config, runs) {
  const notes = [];
  if (name === 'throughput') notes.push(`closed loop, ${config.senders} senders, ${config.receivers} receivers, 64-char messages, ${config.durationMs / 1000} s measured after ${config.warmupMs / 1000} s warm-up`);
  if (name === 'latency') {
    notes.push(`open loop at ${config.rates.map((rate) => rate.toLocaleString('en-US')).join(', then ')} msg/s on the same server and sockets, each for ${config.durationMs / 1000} s after ${config.warmupMs / 1000} s warm-up; latency from the intended send time to the frame`);
    notes.push("event-loop delay: every server (the baselines too) runs with bench/lib/loop-delay-probe.mjs preloaded (perf_hooks' monitorEventLoopDelay, 5 ms resolution), read over each phase's window; a stall of the server shows there as well as in the frames' latency");
  }
  if (name === 'connections') notes.push('RSS is read after a forced full GC (node --inspect on a local port, HeapProfiler.collectGarbage), before and after each step');
  if (name === 'connections') {
    const { steps, note } = connections.cappedSteps(config);
    notes.push(`steps ${steps.join(', ')} idle authenticated sockets, one user each; a sample of ${config.sample} probed afterwards`);
    if (note) notes.push(note);
  }
  if (name === 'drain') {
    notes.push(`${config.messages.toLocaleString('en-US')} messages from ${config.senders} senders queued for one offline user, then it connects`);
    const env = drain.serverEnv(config);
    if (Object.keys(env).length) notes.push(`cohora started with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} (the bench configuration, like cohora's default, refuses a backlog past 10,000)`);
  }
  if (name === 'scale') {
    notes.push(`levels: ${config.levels.map(scale.levelLabel).join(' → ')}; ${config.sends} measured sends and ${config.lists} directory reads per level`);
    if (mode !== 'full') notes.push(`${mode} mode uses smaller sizes than --full (1k/10k/100k users, up to 1M stored messages)`);
  }
  if (mode !== 'full' && name === 'drain' && config.messages < 50_000) notes.push(`${mode} mode drains ${config.messages.toLocaleString('en-US')}, --full drains 50,000`);
  // The latency generator spins between due times on purpose, so its CPU says nothing there.
  const busy = name === 'latency' ? [] : runs.filter((run) => run.generatorCpuUtil > 0.9);
  if (busy.length) notes.push(`the load generator was near 100% of its core in ${busy.length} run(s): rates there may be generator-bound; CPU per message is not`);
  return notes;
}

function parseArgs(argv) {
  const options = { mode: 'quick', scenarios: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    /** The value of `--name value` or `--name=value`, if `arg` is one of the `names`. */
    const valueOf = (...names) => {
      const name = names.find((candidate) => arg === `--${candidate}` || arg.startsWith(`--${candidate}=`));
      if (name === undefined) return undefined;
      return (arg === `--${name}` ? argv[++i] : arg.slice(name.length + 3)) ?? '';
    };
    const listOf = (value) => value.split(',').filter(Boolean);
    let value;
    if (arg === '--full') options.mode = 'full';
    else if (arg === '--smoke') options.mode = 'smoke';
    else if (arg === '--json') options.json = true;
    else if (arg === '--profile') options.profile = true;
    else if ((value = valueOf('scenario', 'only')) !== undefined) options.scenarios.push(...listOf(value));
    else if ((value = valueOf('servers')) !== undefined) options.servers = listOf(value);
    else if ((value = valueOf('rounds')) !== undefined) {
      options.rounds = Number(value);
      if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error(`--rounds needs a positive integer, got ${value}`);
    } else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  const unknown = options.scenarios.filter((name) => !SCENARIOS[name]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  for (const name of options.scenarios.length ? options.scenarios : Object.keys(SCENARIOS)) {
    if (options.servers && chosenServers(name, options.servers).length === 0) {
      throw new Error(`--servers ${options.servers.join(',')} leaves ${name} nothing to run; its servers: ${chosenServers(name).map((server) => server.kind).join(', ')}`);
    }
  }
  return options;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\nusage: node bench/run.mjs [--full|--smoke] [--json] [--scenario|--only a,b] [--rounds N] [--profile] [--servers a,b]\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write('usage: node bench/run.mjs [--full|--smoke] [--json] [--scenario|--only a,b] [--rounds N] [--profile] [--servers a,b]\nSee bench/README.md.\n');
    return 0;
  }
  const stop = async (signal) => {
    process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
    await stopAllServers();
    process.exit(130);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (options.mode !== 'smoke' && openFileLimit() - FD_RESERVE < 1_000) process.stderr.write('bench: the open-file limit is very low; connections will be capped\n');

  const summary = await runBench(options);
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(toMarkdown(summary));
  if (summary.files) process.stderr.write(`bench: results in ${summary.files.markdown} and ${summary.files.json}\n`);
  if (summary.profiles) process.stderr.write(`bench: CPU profiles of cohora in ${summary.profiles} (open in Chrome DevTools or speedscope)\n`);
  if (!summary.ok) process.stderr.write('bench: FAILED: some run lost, duplicated, misrouted or reordered messages, or errored (see the table)\n');
  return summary.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    async (error) => {
      process.stderr.write(`bench: ${error.stack ?? error}\n`);
      await stopAllServers();
      process.exit(1);
    },
  );
}
