// Types for calling the bench from TypeScript (the test suite's smoke run).
export interface BenchRun {
  name: string;
  round: number;
  /** 'cohora' | 'baseline', or the setups a scale-out scenario compares (e.g. 'workers-2', 'postgres'). */
  kind: string;
  metrics: Record<string, number>;
  correctness?: { ok: boolean; accepted?: number; lost?: number; duplicated?: number; misrouted?: number; outOfOrder?: number };
}

export interface BenchSummary {
  mode: string;
  ok: boolean;
  scenarios: Record<string, { runs: BenchRun[] }>;
}

export const SCENARIOS: Record<string, unknown>;

export function runBench(options?: {
  mode?: 'quick' | 'full' | 'smoke';
  scenarios?: string[];
  rounds?: number;
  write?: boolean;
  pin?: boolean;
  quiet?: boolean;
}): Promise<BenchSummary>;
