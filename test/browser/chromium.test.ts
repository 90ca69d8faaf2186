/**
 * The browser the HTML tests use: located without any download, and a launch that fails leaves
 * nothing in the temp directory for the leak guard to find.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { describeBrowser, launchChromium, locateChromium, playwrightArtifacts } from './chromium.ts';

it('a browser that cannot start leaves no profile and no playwright artifacts behind', async () => {
  const before = readdirSync(tmpdir()).sort();
  await expect(launchChromium({ binary: { executablePath: '/nonexistent/chromium', env: {}, source: 'test' } }))
    .rejects.toThrow();
  expect(playwrightArtifacts()).toEqual([]);
  expect(readdirSync(tmpdir()).sort()).toEqual(before);
});

describeBrowser('the located browser', () => {
  it('starts headless, runs a page, and closes leaving nothing behind', async () => {
    const located = locateChromium();
    console.log('browser:', typeof located === 'string' ? located : located.source);
    const browser = await launchChromium({ viewport: { width: 200, height: 100 } });
    try {
      const page = await browser.context.newPage();
      await page.setContent('<p id="p">x</p><script>document.title = String(6 * 7)</script>');
      expect(await page.title()).toBe('42');
    } finally {
      await browser.close();
    }
    expect(playwrightArtifacts()).toEqual([]);
  });
});
