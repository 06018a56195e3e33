// Types for calling the bench from TypeScript (the test suite's smoke run).
export interface BenchRun {
  name: string;
  round: number;
  kind: 'cohora' | 'baseline';
  metrics: Record<string, number>;
  correctness?: { ok: boolean; lost?: number; duplicated?: number; misrouted?: number; outOfOrder?: number };
}

export interface BenchSummary {
  mode: string;
  ok: boolean;
  scenarios: Record<string, { runs: BenchRun[] }>;
}

export function runBench(options?: {
  mode?: 'quick' | 'full' | 'smoke';
  scenarios?: string[];
  rounds?: number;
  write?: boolean;
  pin?: boolean;
  quiet?: boolean;
}): Promise<BenchSummary>;
