import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createToken } from '../audit/audit-support.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { createFixtureRoot, packPlugin, writePlugin } from '../registry/plugin-fixtures.js';
import { createCustomerIntegration } from '../runs/operations-support.js';
import { apiOf } from '../support/api.js';
import { browserMissing, expectAccessible, screenshot } from '../support/browser.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { consoleClient, signedInBrowser, signInPage } from './console-client.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)(
  'plugins and connections in the console',
  { timeout: 120_000 },
  () => {
    let t: TestJunction;
    let browser: Browser;
    let page: Page;
    let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
    let dataDir: string;
    let erp: { id: string };
    let viewer: { id: string; token: string };

    const query = async (text: string, values: unknown[] = []) =>
      (await t.junction.database.pool.query(text, values)).rows;
    const status = () => page.locator('.notice, .problem').allTextContents();

    beforeAll(async () => {
      fixtures = await createFixtureRoot();
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-console-'));
      await mkdir(path.join(fixtures.dir, 'no-builtins'));
      t = await startTestJunction(
        { JUNCTION_DATA_DIR: dataDir },
        {
          connectors: createStaticConnectorSource([crm, targetApi]),
          plugins: {
            builtinDir: path.join(fixtures.dir, 'no-builtins'),
            uploadLimitBytes: 200_000,
          },
        },
      );
      await createCustomerIntegration(apiOf(t), {
        name: 'Orders',
        targetUrl: 'http://127.0.0.1:9/erp',
        retry: { maxAttempts: 1, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
      });
      const [row] = await query("select id from connections where name = 'Orders ERP'");
      erp = { id: row.id };
      viewer = await createToken(t, 'viewer');
      ({ browser, page } = await signedInBrowser(t.url, ADMIN_TOKEN));
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await fixtures?.remove();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('installs an uploaded .tgz, shows it isolated, and trusts it after a confirmation', async () => {
      const file = path.join(fixtures.dir, 'console-notes-1.0.0.tgz');
      await writeFile(
        file,
        await packPlugin(await writePlugin(fixtures.dir, { id: 'console-notes' })),
      );
      await page.goto(`${t.url}/console/plugins`);
      await page.setInputFiles('#tarball', file);
      await page.getByRole('button', { name: 'Install' }).click();
      await expect.poll(status).toEqual([expect.stringContaining('Installed console-notes@1.0.0')]);
      const row = page.locator('tr', { hasText: 'console-notes' });
      await expect.poll(() => row.textContent()).toContain('isolated in plugin hosts, not trusted');
      await expectAccessible(page);
      await screenshot(page, 'plugins');
      await page.getByText('Trust console-notes@1.0.0…').click();
      await page.getByRole('button', { name: 'Yes, trust console-notes@1.0.0' }).click();
      await expect.poll(status).toEqual([expect.stringContaining('Trusted')]);
      await expect.poll(() => row.textContent()).toContain('in-process');
      expect(await query("select trusted from plugin_installs where id = 'console-notes'")).toEqual(
        [{ trusted: true }],
      );
      const audit = await query(
        "select actor from audit_entries where action = 'plugin.trust' and subject_id = 'console-notes@1.0.0'",
      );
      expect(audit).toEqual([{ actor: 'token:admin-env' }]);
    });

    it('refuses an upload that is not a plugin package, with its reason, and installs nothing', async () => {
      const junk = path.join(fixtures.dir, 'junk.tgz');
      await writeFile(junk, 'not a tarball at all');
      await page.goto(`${t.url}/console/plugins`);
      await page.setInputFiles('#tarball', junk);
      const answer = page.waitForResponse((r) => r.url().endsWith('/console/plugins/upload'));
      await page.getByRole('button', { name: 'Install' }).click();
      expect((await answer).status()).toBe(422);
      await expect.poll(() => page.locator('.problem').count()).toBeGreaterThan(0);
      expect(await query('select id from plugin_installs')).toEqual([{ id: 'console-notes' }]);
      await expectAccessible(page);
      // No file, and a file over the upload limit: each refused in a sentence, nothing installed.
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      const upload = async (file?: Blob) => {
        const form = new FormData();
        form.set('_csrf', admin.csrf);
        if (file) form.set('tarball', file, 'big.tgz');
        const res = await fetch(`${t.url}/console/plugins/upload`, {
          method: 'POST',
          headers: { cookie: admin.cookie },
          body: form,
          redirect: 'manual',
        });
        return { status: res.status, text: await res.text() };
      };
      const none = await upload();
      expect(none.status).toBe(422);
      expect(none.text).toContain('Choose a .tgz file to install.');
      const big = await upload(new Blob([new Uint8Array(300_000)]));
      expect(big.status).toBe(413);
      expect(big.text).toContain('larger than the limit of 200000 bytes');
      expect(await query('select id from plugin_installs')).toEqual([{ id: 'console-notes' }]);
    });

    it("edits a connection's settings and secret: secrets only as set, never echoed, a new destination needs the secret again", async () => {
      await page.goto(`${t.url}/console/connections`);
      await page.getByRole('link', { name: 'Orders ERP' }).click();
      await expect.poll(() => page.getByLabel(/Token \(secret, set\)/).count()).toBe(1);
      expect(await page.content()).not.toContain('erp-token');
      await expectAccessible(page);
      await screenshot(page, 'connection');
      // A new destination without the secret again: refused beside the settings, nothing stored.
      await page
        .getByLabel('Settings (JSON object)')
        .fill('{"baseUrl": "https://elsewhere.example"}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect
        .poll(() => page.locator('#settings-error').textContent())
        .toContain('token again');
      expect(await page.getByLabel('Settings (JSON object)').getAttribute('aria-invalid')).toBe(
        'true',
      );
      expect(
        await query('select settings, revision from connections where id = $1', [erp.id]),
      ).toEqual([{ settings: { baseUrl: 'http://127.0.0.1:9/erp' }, revision: 1 }]);
      // Not JSON: refused beside the field.
      await page.getByLabel('Settings (JSON object)').fill('{baseUrl');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect
        .poll(() => page.locator('#settings-error').textContent())
        .toContain('not valid JSON');
      // With the secret again it is saved; the new value is not shown anywhere.
      await page
        .getByLabel('Settings (JSON object)')
        .fill('{"baseUrl": "https://elsewhere.example"}');
      await page.getByLabel(/Token \(secret/).fill('new-erp-secret-42');
      await page.getByLabel('Name').fill('Orders ERP (moved)');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(status).toEqual(['Saved.']);
      expect(await page.content()).not.toContain('new-erp-secret-42');
      expect(await page.getByLabel(/Token \(secret/).inputValue()).toBe('');
      const [stored] = await query(
        'select name, settings, revision from connections where id = $1',
        [erp.id],
      );
      expect(stored).toEqual({
        name: 'Orders ERP (moved)',
        settings: { baseUrl: 'https://elsewhere.example' },
        revision: 2,
      });
      const [entry] = await query(
        "select actor, data::text as data from audit_entries where action = 'connection.update' and subject_id = $1",
        [erp.id],
      );
      expect(entry.actor).toBe('token:admin-env');
      expect(entry.data).not.toContain('new-erp-secret-42');
      const api = await apiOf(t).get(`/v1/connections/${erp.id}`);
      expect(api.body.secrets).toEqual({ token: 'set' });
    });

    it('answers a form made from an older revision with the connection as it is now (If-Match), changing nothing', async () => {
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      await admin.get(`/console/connections/${erp.id}`);
      const stale = await admin.post(`/console/connections/${erp.id}`, {
        _csrf: admin.csrf,
        revision: '1',
        name: 'Stale name',
        settings: '{"baseUrl": "https://elsewhere.example"}',
      });
      expect(stale.status).toBe(303);
      expect(stale.headers.get('location')).toBe(`/console/connections/${erp.id}`);
      // The message for the next page travels in a one-minute cookie.
      expect(decodeURIComponent(stale.headers.getSetCookie().join(';'))).toContain(
        'changed meanwhile',
      );
      expect(await query('select name, revision from connections where id = $1', [erp.id])).toEqual(
        [{ name: 'Orders ERP (moved)', revision: 2 }],
      );
    });

    it('shows a viewer no write controls, and refuses forged plugin and connection changes (403)', async () => {
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        await signInPage(p, t.url, viewer.token);
        await p.goto(`${t.url}/console/plugins`);
        await expect.poll(() => p.locator('tr', { hasText: 'console-notes' }).count()).toBe(1);
        expect(await p.locator('form[method="post"]').count()).toBe(1); // sign-out only
        await p.goto(`${t.url}/console/connections/${erp.id}`);
        expect(await p.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
        expect(await p.locator('fieldset[disabled]').count()).toBe(1);
        await expectAccessible(p);
      } finally {
        await context.close();
      }
      const forger = consoleClient(t.url);
      await forger.signIn(viewer.token);
      await forger.get(`/console/connections/${erp.id}`);
      const distrust = await forger.post('/console/plugins/console-notes/versions/1.0.0/distrust', {
        _csrf: forger.csrf,
      });
      expect(distrust.status).toBe(403);
      const edit = await forger.post(`/console/connections/${erp.id}`, {
        _csrf: forger.csrf,
        revision: '2',
        name: 'Forged',
        settings: '{}',
      });
      expect(edit.status).toBe(403);
      // Without the session's CSRF token even an admin's form is refused.
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      const noCsrf = await admin.post('/console/plugins/console-notes/versions/1.0.0/distrust', {});
      expect(noCsrf.status).toBe(403);
      expect(await query("select trusted from plugin_installs where id = 'console-notes'")).toEqual(
        [{ trusted: true }],
      );
      expect(await query('select name from connections where id = $1', [erp.id])).toEqual([
        { name: 'Orders ERP (moved)' },
      ]);
      const denied = await query(
        "select count(*)::int as n from audit_entries where action = 'access.denied' and actor = $1",
        [`token:${viewer.id}`],
      );
      expect(denied[0].n).toBe(2);
    });
  },
);
