// Types for calling the bench from TypeScript (the test suite's smoke run).
export interface BenchRun {
  name: string;
  round: number;
  /**
   * 'cohora', a variant of it ('cohora-defaults', 'cohora-info', 'cohora-limits'), a baseline
   * ('floor', 'bare'), or the setups a scale-out scenario compares (e.g. 'workers-2', 'postgres').
   */
  kind: string;
  metrics: Record<string, number>;
  /** The environment cohora ran with (for a baseline: its PORT, HOST, NODE_ENV). */
  config?: Record<string, string>;
  correctness?: { ok: boolean; accepted?: number; lost?: number; duplicated?: number; misrouted?: number; outOfOrder?: number };
  serverLogLines: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

export interface BenchMetric {
  key: string;
  label: string;
  unit: string;
  /** Per server kind. */
  values: Record<string, Spread>;
  /** Per comparison, keyed 'cohora/floor', 'cohora/bare', 'cohora-defaults/cohora', … */
  ratios: Record<string, Spread>;
  verdicts: { target: string; verdict: 'pass' | 'FAIL' | 'n/a' | '?' }[];
}

export interface BenchSummary {
  mode: string;
  ok: boolean;
  config: { bench: Record<string, string>; unset: string[]; variants: Record<string, { label: string; env: Record<string, string | undefined> }> };
  scenarios: Record<string, { runs: BenchRun[]; metrics: BenchMetric[]; servers: { kind: string; role?: string }[] }>;
}

export const SCENARIOS: Record<string, unknown>;

export function runBench(options?: {
  mode?: 'quick' | 'full' | 'smoke';
  scenarios?: string[];
  rounds?: number;
  write?: boolean;
  pin?: boolean;
  quiet?: boolean;
  profile?: boolean;
}): Promise<BenchSummary>;
