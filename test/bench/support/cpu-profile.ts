import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where CPU time went in a `--cpu-prof` profile: self time by area and by function, in % of busy time. */
export interface ProfileSummary {
  /** Share of the profiled wall time the thread was not idle. */
  readonly busy: string;
  readonly byArea: Readonly<Record<string, string>>;
  /** Time in node internals and native code charged to the nearest package or workspace caller. */
  readonly byCallerArea: Readonly<Record<string, string>>;
  readonly topFunctions: readonly string[];
}

/** The area of a script URL: a package under node_modules, a workspace folder, or node itself. */
function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  // The bench's own scripts, compiled by compile-child.ts, are the repository's `test` folder.
  const compiled = url.indexOf('node_modules/.cache/junction-bench/');
  if (compiled >= 0) return areaOf(`/${url.slice(compiled + 35)}`, functionName);
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] as string);
  }
  const match =
    /\/(core|connector-kit|registry|plugins\/[^/]+|test)\/(?:dist|src)?\/?([^/]+)?/.exec(url);
  return match ? `${match[1]}/${match[2] ?? ''}` : url;
}

/**
 * Reads the busiest .cpuprofile in `dir` (the main thread's, should another thread write one too)
 * and sums self time per area and per function.
 */
export async function summariseCpuProfile(dir: string, top = 15): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const profiles = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Profile),
  );
  const busiest = profiles
    .map((p) => ({ p, self: selfTimes(p) }))
    .sort((a, b) => b.self.busy - a.self.busy)[0];
  if (!busiest) throw new Error(`no .cpuprofile in ${dir}`);
  const { byNode, busy: total } = busiest.self;
  const byId = new Map(busiest.p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of busiest.p.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const internal = (area: string) => area === 'node internals' || area === '(native)';
  const areas = new Map<string, number>();
  const callerAreas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of byNode) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (frame.functionName === '(idle)') continue;
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    let caller = area;
    for (let at = parentOf.get(id); internal(caller) && at !== undefined; at = parentOf.get(at)) {
      const up = (byId.get(at) as ProfileNode).callFrame;
      if (up.functionName !== '(root)') caller = areaOf(up.url, up.functionName);
    }
    callerAreas.set(caller, (callerAreas.get(caller) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const share = (micros: number) => `${((micros / total) * 100).toFixed(1)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  const wall = busiest.p.timeDeltas.reduce((sum, d) => sum + d, 0);
  return {
    busy: `${((total / wall) * 100).toFixed(1)}%`,
    byArea: Object.fromEntries(sorted(areas).map(([k, v]) => [k, share(v)])),
    byCallerArea: Object.fromEntries(sorted(callerAreas).map(([k, v]) => [k, share(v)])),
    topFunctions: sorted(functions).map(([k, v]) => `${share(v)} ${k}`),
  };
}

/** Self time per node, and the total outside `(idle)`, in microseconds. */
function selfTimes(profile: Profile) {
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const byNode = new Map<number, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    byNode.set(id, (byNode.get(id) ?? 0) + micros);
    if (!idle.has(id)) busy += micros;
  });
  return { byNode, busy };
}
