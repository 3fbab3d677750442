import type { Context, Hono } from 'hono';
import type { Kysely } from 'kysely';
import { PluginsPage } from '../../console/plugins-page.js';
import type { Database } from '../../db/schema.js';
import type { PluginHost } from '../../plugins/start-plugins.js';
import type { AppEnv } from '../app-env.js';
import { HttpProblem } from '../problem.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  can,
  consolePermission,
  field,
  takeFlash,
} from './console-support.js';
import { toPluginProblem } from './plugin-problem.js';
import { allPlugins, pluginActor } from './plugin-versions.js';

const here = '/console/plugins';

/** The refusal of a plugin change in a sentence, with the package's problems when listed. */
function refusal(error: unknown): { text: string; problems: string[] } {
  const mapped = toPluginProblem(error);
  if (!(mapped instanceof HttpProblem)) throw error;
  const listed = (mapped.problem as { problems?: unknown }).problems;
  return {
    text: mapped.problem.detail ?? mapped.problem.title,
    problems: Array.isArray(listed)
      ? listed.map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
      : [],
  };
}

/**
 * Console plugins: every version with where it runs; for `plugins:manage` (as the API asks)
 * install from an uploaded .tgz, enable, disable, trust and distrust, through the plugin service
 * the API uses (verified in a plugin host, audited, announced to every process).
 */
export function consolePluginPages(db: Kysely<Database>, host: PluginHost) {
  return (console: Hono<ConsoleEnv>) => {
    const manage = consolePermission(db, 'plugins:manage');
    const who = (c: ConsoleContext) => pluginActor(c as unknown as Context<AppEnv>);

    const page = async (c: ConsoleContext, problems?: { text: string; problems: string[] }) =>
      c.html(
        <PluginsPage
          session={c.get('session')}
          plugins={await allPlugins(host)}
          canManage={can(c, 'plugins:manage')}
          uploadLimitBytes={host.settings.uploadLimitBytes}
          flash={problems ? { problem: problems.text } : takeFlash(c)}
          problems={problems?.problems}
        />,
        problems ? 422 : 200,
      );

    console.get('/plugins', consolePermission(db, 'read'), (c) => page(c));

    console.post('/plugins/upload', manage, async (c) => {
      const form = await c.req.parseBody({ all: true });
      const file = form.tarball;
      if (!(file instanceof File) || file.size === 0)
        return page(c, { text: 'Choose a .tgz file to install.', problems: [] });
      const integrity = field(form, 'integrity').trim();
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        const installed = await host.service.install(
          {
            kind: 'bytes',
            bytes,
            ...(integrity ? { integrity } : {}),
            ...(file.name ? { name: file.name.slice(0, 200) } : {}),
          },
          who(c),
        );
        return back(
          c,
          here,
          'done',
          `Installed ${installed.id}@${installed.version}; it runs isolated until trusted.`,
        );
      } catch (error) {
        return page(c, refusal(error));
      }
    });

    const words = {
      enable: 'Enabled',
      disable: 'Disabled',
      trust: "Trusted: it runs in Junction's process",
      distrust: 'No longer trusted: it runs in plugin hosts',
    } as const;
    for (const action of ['enable', 'disable', 'trust', 'distrust'] as const) {
      console.post(`/plugins/:id/versions/:version/${action}`, manage, async (c) => {
        const { id, version } = c.req.param();
        const change =
          action === 'enable' || action === 'disable'
            ? host.service.setEnabled(id, version, action === 'enable', who(c))
            : host.service.setTrusted(id, version, action === 'trust', who(c));
        try {
          const v = await change;
          return back(c, here, 'done', `${words[action]}: ${v.id}@${v.version}.`);
        } catch (error) {
          return back(c, here, 'problem', refusal(error).text);
        }
      });
    }
  };
}
