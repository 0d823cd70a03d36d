// The browser the e2e tests drive: Debian's Chromium, through playwright-core (test tools' own browser
// downloads cannot work here). A test needing it skips with the reason when it is missing, or fails when
// PROPEL_REQUIRE_BROWSER=1 (as CI sets it).
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** In a `before` hook: skip the suite when Chromium is missing (`what`: what it would have run), or fail when it is required. */
export function requireChromium(ctx: Mocha.Context, what: string): void {
  if (existsSync(CHROMIUM)) return;
  const why = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run ${what}`;
  if (process.env.PROPEL_REQUIRE_BROWSER === '1') throw new Error(`${why} (PROPEL_REQUIRE_BROWSER=1)`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}
