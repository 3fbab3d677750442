import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser } from '../support/browser.js';

/**
 * A console user without a browser: fetch with the session cookie it was given, reading the
 * CSRF token from the pages it loads, for the checks a browser would not let a test make
 * (forged forms, missing tokens, other origins).
 */
export function consoleClient(baseUrl: string) {
  let cookie = '';
  let csrf = '';
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      if (!pair?.startsWith('junction_console=')) continue;
      cookie = /max-age=0/i.test(line) || pair === 'junction_console=' ? '' : pair;
    }
  };
  const client = {
    get cookie() {
      return cookie;
    },
    get csrf() {
      return csrf;
    },
    async get(path: string, headers: Record<string, string> = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: { ...(cookie ? { cookie } : {}), ...headers },
        redirect: 'manual',
      });
      keep(res);
      const text = await res.text();
      const found = /name="_csrf" value="([^"]+)"/.exec(text);
      if (found?.[1]) csrf = found[1];
      return { status: res.status, headers: res.headers, text };
    },
    async post(
      path: string,
      fields: Record<string, string | string[]>,
      headers: Record<string, string> = {},
    ) {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields))
        for (const one of [value].flat()) body.append(name, one);
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(cookie ? { cookie } : {}),
          ...headers,
        },
        body,
        redirect: 'manual',
      });
      keep(res);
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    /** Signs in with `token` and loads the overview (for its CSRF token). */
    async signIn(token: string) {
      const res = await client.post('/console/sign-in', { token, next: '/console' });
      expect(res.status, res.text).toBe(303);
      expect(cookie).not.toBe('');
      return client.get(res.headers.get('location') ?? '/console');
    },
  };
  return client;
}

/** Signs `page` in to the console at `baseUrl` with `token`, as a person would. */
export async function signInPage(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/console/sign-in'));
}

/** A browser with one page signed in with `token` (close the browser in afterAll). */
export async function signedInBrowser(
  baseUrl: string,
  token: string,
): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  await signInPage(page, baseUrl, token);
  return { browser, page };
}
