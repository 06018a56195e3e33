// The correctness reports of several phases on one server (e.g. a closed loop then an open
// loop, or one open loop per rate) as one report: counts add up, any failure fails it.

const COUNTS = ['accepted', 'frames', 'lost', 'duplicated', 'misrouted', 'outOfOrder', 'malformed', 'idRegressions', 'sendErrors'];

export function combineCorrectness(reports) {
  const last = reports.at(-1);
  const combined = { ...last, ok: reports.every((report) => report.ok), examples: reports.flatMap((report) => report.examples ?? []) };
  for (const key of COUNTS) combined[key] = reports.reduce((sum, report) => sum + (report[key] ?? 0), 0);
  // The phases share their sockets: the last phase's count of unexpected closes is the total.
  combined.unexpectedCloses = last.unexpectedCloses;
  return combined;
}
