// examples/progress.ts: a redrawn line on a terminal (at most every 100 ms), occasional plain lines when
// piped; lines from log() stay. Checked with a fake stream and a fake clock.
import { expect } from 'chai';
import { createProgress, createStepProgress } from '../../examples/progress';

function fake(isTTY: boolean) {
  const writes: string[] = [];
  let t = 0;
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) }, tick: (ms: number) => { t += ms; }, now: () => t };
}

describe('examples: progress', () => {
  it('on a terminal: redraws one line in place, at most every 100 ms, and log() lines stay', () => {
    const f = fake(true);
    const p = createProgress({ stream: f.stream, now: f.now });
    p.update('step 1');
    f.tick(50);
    p.update('step 2');          // too soon: not drawn
    f.tick(60);
    p.update('step 3');
    p.log('quarter done');
    p.done();
    expect(f.writes).to.deep.equal([
      '\r\x1b[2Kstep 1', '\r\x1b[2Kstep 3', '\r\x1b[2K', 'quarter done\n', 'step 3', '\r\x1b[2K',
    ]);
  });

  it('piped: a plain line at most every 10 s, log() lines always, no control characters', () => {
    const f = fake(false);
    const p = createProgress({ stream: f.stream, now: f.now });
    for (let i = 1; i <= 30; i++) {
      p.update(`step ${i}`);
      f.tick(1000);
    }
    p.log('end');
    p.done();
    expect(f.writes).to.deep.equal(['step 1\n', 'step 11\n', 'step 21\n', 'end\n']);
  });

  it('a training loop: a line that stays at each quarter and at the last step, with the rate, redrawn in between', () => {
    const f = fake(false);
    const p = createStepProgress(10, { stream: f.stream, now: f.now, pipedIntervalMs: 1e9 });
    for (let step = 1; step <= 10; step++) {
      f.tick(500);   // 2 steps/s
      p.step(step, `loss ${step}`);
    }
    p.done();
    // quarter = round(10 / 4) = 3: steps 3, 6, 9 and the last, 10; step 1 is the first redrawn update
    expect(f.writes).to.deep.equal([
      'step     1/10  loss 1  2 steps/s\n', 'step     3/10  loss 3  2 steps/s\n', 'step     6/10  loss 6  2 steps/s\n',
      'step     9/10  loss 9  2 steps/s\n', 'step    10/10  loss 10  2 steps/s\n',
    ]);
  });
});
