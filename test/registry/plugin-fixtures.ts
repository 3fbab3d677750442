import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create, Header } from 'tar';
import { repoRoot } from '../support/child-process.js';

/** A temporary workspace whose plugin folders can import @junction/connector-kit (built dist). */
export async function createFixtureRoot(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'junction-plugins-'));
  await mkdir(path.join(dir, 'node_modules', '@junction'), { recursive: true });
  await symlink(
    path.join(repoRoot, 'connector-kit'),
    path.join(dir, 'node_modules', '@junction', 'connector-kit'),
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface PluginSpec {
  readonly id: string;
  readonly version?: string;
  readonly packageName?: string;
  readonly contract?: string;
  readonly scripts?: Record<string, string>;
  /** Extra required input field on the action (to make a schema change between versions). */
  readonly extraInput?: string;
  /** Entry code appended to the module (e.g. a top-level throw). */
  readonly extraCode?: string;
  /** `omit` writes no manifest; a function edits the generated one. */
  readonly manifest?: 'omit' | ((m: Record<string, unknown>) => unknown);
}

/** Writes a plugin folder (package.json, dist/index.js, junction.manifest.json) under `root`. */
export async function writePlugin(root: string, spec: PluginSpec): Promise<string> {
  const version = spec.version ?? '1.0.0';
  const contract = spec.contract ?? '^1.0.0';
  const dir = path.join(root, `${spec.id}-${version}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  const pkg = {
    name: spec.packageName ?? `junction-plugin-${spec.id}`,
    version,
    type: 'module',
    files: ['dist', 'junction.manifest.json'],
    junction: { connector: './dist/index.js', contract },
    ...(spec.scripts ? { scripts: spec.scripts } : {}),
    dependencies: { '@junction/connector-kit': '*' },
  };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const extra = spec.extraInput ? `, ${spec.extraInput}: field.string()` : '';
  await writeFile(
    path.join(dir, 'dist', 'index.js'),
    `import { defineAction, defineConnector, definePollingTrigger, defineRecordType, field } from '@junction/connector-kit';
const note = defineRecordType({ name: 'note', fields: { id: field.string(), title: field.string() }, key: 'id' });
const createNote = defineAction({
  key: 'create-note', name: 'Create note', description: 'Creates a note', kind: 'create', idempotent: true,
  input: { title: field.string()${extra} }, output: { id: field.string() }, sample: { id: 'n1' },
  async run(_ctx, input) { return { id: 'n-' + input.title }; },
});
const noteCreated = definePollingTrigger({
  key: 'note-created', name: 'Note created', description: 'A new note', output: { id: field.string() },
  sample: { id: 'n1' }, async poll(_ctx, cursor) { return { items: [], cursor: cursor ?? '0' }; },
});
export default defineConnector({
  id: ${JSON.stringify(spec.id)}, name: 'Test ${spec.id}', description: 'A test connector', version: ${JSON.stringify(version)},
  contract: ${JSON.stringify(contract)}, auth: { kind: 'none' }, recordTypes: [note], triggers: [noteCreated], actions: [createNote],
});
${spec.extraCode ?? ''}
`,
  );
  if (spec.manifest !== 'omit') {
    // Generated the way `junction-kit pack` does, in a plain node process.
    const json = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { buildManifest } from '@junction/connector-kit'; const m = await import(${JSON.stringify(`./dist/index.js?${Date.now()}`)}); process.stdout.write(JSON.stringify(buildManifest(m.default)));`,
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, JUNCTION_FIXTURE_MANIFEST: '1' } },
    );
    let manifest: unknown = JSON.parse(json);
    if (typeof spec.manifest === 'function') {
      manifest = spec.manifest(manifest as Record<string, unknown>) ?? manifest;
    }
    await writeFile(path.join(dir, 'junction.manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return dir;
}

/** Packs a plugin folder into a .tgz (entries under package/), as npm and junction-kit do. */
export async function packPlugin(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = create({ gzip: true, cwd: dir, prefix: 'package/', portable: true }, [
    'package.json',
    'dist',
    ...(await import('node:fs')).readdirSync(dir).filter((f) => f === 'junction.manifest.json'),
  ]);
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** One raw tar entry, written exactly as given (no path cleaning): for hostile tarballs. */
export interface RawEntry {
  readonly path: string;
  readonly type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  readonly body?: Buffer | string;
  readonly linkpath?: string;
  /** Permission bits; default 0o755 for folders, 0o644 for the rest. */
  readonly mode?: number;
}

/** Builds a gzipped tarball from raw entries. */
export function rawTarball(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.body === undefined ? Buffer.alloc(0) : Buffer.from(entry.body);
    const type = entry.type ?? 'File';
    const header = new Header({
      path: entry.path,
      type,
      size: type === 'File' ? body.length : 0,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      mtime: new Date('2024-01-01T00:00:00Z'),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** The raw entries of a good plugin folder (package/...), to add hostile ones to. */
export async function entriesOf(dir: string): Promise<RawEntry[]> {
  const { readFile } = await import('node:fs/promises');
  const files = ['package.json', 'dist/index.js', 'junction.manifest.json'];
  const out: RawEntry[] = [];
  for (const f of files) {
    out.push({ path: `package/${f}`, body: await readFile(path.join(dir, f)) });
  }
  return out;
}
