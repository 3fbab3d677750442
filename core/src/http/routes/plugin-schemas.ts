import { z } from '@hono/zod-openapi';

export const PluginVersionSchema = z
  .object({
    id: z.string().openapi({ example: 'acme-crm' }),
    version: z.string().openapi({ example: '1.2.0' }),
    packageName: z.string().openapi({ example: 'junction-plugin-acme-crm' }),
    source: z.object({
      kind: z.string().openapi({
        example: 'npm',
        description: 'builtin, folder, tarball, bytes (upload), npm or index',
      }),
      location: z.string().openapi({
        example:
          'https://registry.npmjs.org/junction-plugin-acme-crm/-/junction-plugin-acme-crm-1.2.0.tgz',
      }),
    }),
    integrity: z.string().nullable().openapi({ example: 'sha512-3q2+7w==' }),
    sizeBytes: z.number().int().nullable(),
    enabled: z.boolean(),
    trusted: z.boolean().openapi({
      description:
        "Whether an operator trusted this exact version (POST .../trust) to run in Junction's process; built-in plugins are trusted.",
    }),
    isolation: z.enum(['trusted', 'isolated']).openapi({
      example: 'isolated',
      description:
        "Where its code runs: isolated in plugin host processes (every installed version unless trusted, see JUNCTION_PLUGIN_ISOLATION), or trusted in Junction's own process.",
    }),
    status: z
      .enum(['loaded', 'failed'])
      .openapi({ description: 'As last recorded by a process that loaded it.' }),
    error: z.object({ kind: z.string(), message: z.string() }).nullable(),
    loadedHere: z
      .boolean()
      .openapi({ description: 'Whether the process answering has it loaded and usable now.' }),
    installedBy: z.string().openapi({ example: 'token:admin-env' }),
    installedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('PluginVersion');

export const PluginSchema = z
  .object({
    id: z.string().openapi({ example: 'acme-crm' }),
    builtin: z.boolean(),
    versions: z.array(PluginVersionSchema),
  })
  .openapi('Plugin');

export const PluginSourceSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('npm'),
        spec: z.string().min(1).max(300).openapi({ example: 'junction-plugin-acme-crm@^1.2.0' }),
        integrity: z.string().max(200).optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('index'),
        location: z
          .string()
          .min(1)
          .max(2000)
          .openapi({ example: 'https://plugins.example.com/index.json' }),
        id: z.string().min(1).max(200).openapi({ example: 'acme-crm' }),
        version: z.string().min(1).max(100).optional().openapi({ example: '^1.2.0' }),
      })
      .strict(),
    z.object({ kind: z.literal('folder'), path: z.string().min(1).max(2000) }).strict(),
    z
      .object({
        kind: z.literal('tarball'),
        path: z.string().min(1).max(2000),
        integrity: z.string().max(200).optional(),
      })
      .strict(),
  ])
  .openapi('PluginSource', {
    description:
      'Where to install from: an npm spec through the configured registry, an entry of a plugin index (its sha512 is checked), a folder or a .tgz path on the server.',
  });

export const InstallPluginSchema = z
  .object({ source: PluginSourceSchema })
  .strict()
  .openapi('InstallPlugin', {
    example: { source: { kind: 'npm', spec: 'junction-plugin-acme-crm@^1.2.0' } },
  });

export const PluginParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'acme-crm' }),
});

export const PluginVersionParamsSchema = PluginParamsSchema.extend({
  version: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'version', in: 'path' }, example: '1.2.0' }),
});
