// Example helper: progress for long runs (the demo, the examples, the benchmarks). On a terminal, one line
// redrawn in place (at most every 100 ms); when the output is piped or logged, an occasional plain line
// (every 10 s of work, or when the text says a new phase began) so a log shows progress without flooding.
// No library code.

/** Where progress goes: a stream, and whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface Progress {
  /** Report the current state (`text`, e.g. "step 300/1500  propel 0.41"). Cheap to call often. */
  update(text: string): void;
  /** Print a line that stays (ends any redrawn line first). */
  log(text: string): void;
  /** End the redrawn line, if any. */
  done(): void;
}

export interface ProgressOptions {
  /** Default: process.stderr. */
  stream?: ProgressStream;
  /** Minimum time between lines when not a terminal, in ms. Default 10000. */
  pipedIntervalMs?: number;
  /** The clock, in ms (tests pass a fake one). Default Date.now. */
  now?: () => number;
}

/** A progress reporter for `stream` (stderr by default, so stdout stays clean for results). */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? Date.now;
  const interval = tty ? 100 : options.pipedIntervalMs ?? 10_000;
  let last = -Infinity;
  let pending = false;
  let lastText = '';
  const clear = () => {
    if (tty && pending) stream.write('\r\x1b[2K');
    pending = false;
  };
  return {
    update(text) {
      lastText = text;
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        pending = true;
      } else {
        stream.write(`${text}\n`);
      }
    },
    log(text) {
      clear();
      stream.write(`${text}\n`);
      if (tty && lastText) {
        stream.write(lastText);
        pending = true;
      }
    },
    done() {
      clear();
      lastText = '';
    },
  };
}

/** Progress of a training loop of `total` steps, built on `createProgress`. */
export interface StepProgress {
  /** Report step `step` (1-based) with `detail` (e.g. the losses): "step   300/1500  <detail>  210 steps/s". */
  step(step: number, detail: string): void;
  done(): void;
}

/**
 * A line that stays at each quarter of the run (and the last step), a redrawn line in between on a terminal;
 * the rate counts from the call.
 */
export function createStepProgress(total: number, options: ProgressOptions = {}): StepProgress {
  const progress = createProgress(options);
  const now = options.now ?? Date.now;
  const started = now();
  const quarter = Math.max(1, Math.round(total / 4));
  return {
    step(step, detail) {
      const rate = step / Math.max((now() - started) / 1000, 1e-3);
      const text = `step ${String(step).padStart(5)}/${total}  ${detail}  ${rate.toFixed(0)} steps/s`;
      if (step % quarter === 0 || step === total) progress.log(text);
      else progress.update(text);
    },
    done: () => progress.done(),
  };
}
