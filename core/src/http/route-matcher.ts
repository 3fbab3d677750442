/** Tells which methods a path has routes for, so an unknown method gets 405 rather than 404. */
export function createMethodLookup(routes: readonly { method: string; path: string }[]) {
  const compiled = routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(
        `^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`,
      ),
    }));
  return (path: string): string[] => {
    const methods = new Set<string>();
    for (const route of compiled) if (route.pattern.test(path)) methods.add(route.method);
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  };
}
