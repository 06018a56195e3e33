// One progress line on stderr: which run, elapsed, and a rough time left, scaled by how the
// estimates have compared with reality so far.

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  /** `estimates[i]` is the rough duration in seconds of run i; `quiet` silences the output. */
  constructor(estimates, quiet = false) {
    this.estimates = estimates;
    this.quiet = quiet;
    this.started = performance.now();
    this.index = -1;
    this.label = '';
    this.tty = process.stderr.isTTY;
    this.printedAt = 0;
  }

  /** Marks the start of the next run. */
  next(label) {
    this.index++;
    this.label = label;
    this.print('');
  }

  /** A detail within the current run (e.g. "storing 40000/100000"); a log file gets one per 15 s. */
  detail(text) {
    if (this.tty || performance.now() - this.printedAt > 15_000) this.print(text);
  }

  print(detail) {
    if (this.quiet) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const doneEstimate = this.estimates.slice(0, this.index).reduce((a, b) => a + b, 0);
    const leftEstimate = this.estimates.slice(this.index).reduce((a, b) => a + b, 0);
    // Early on trust the estimates; later, scale them by the observed pace.
    const pace = doneEstimate > 20 ? elapsed / doneEstimate : 1;
    const line = `[${this.index + 1}/${this.estimates.length}] ${this.label}${detail ? ` ${detail}` : ''}  elapsed ${clock(elapsed)}, ~${clock(leftEstimate * pace)} left`;
    process.stderr.write(this.tty ? `\r\x1b[K${line}` : `${line}\n`);
    this.printedAt = performance.now();
  }

  done() {
    if (this.quiet) return;
    const elapsed = (performance.now() - this.started) / 1000;
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}bench: done in ${clock(elapsed)}\n`);
  }
}
