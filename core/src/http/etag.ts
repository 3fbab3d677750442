import type { Context } from 'hono';
import { HttpProblem, problem } from './problem.js';

/** The ETag of a configuration object at a revision. */
export function etagOf(revision: number): string {
  return `"r${revision}"`;
}

/**
 * The revision a write may replace: the one named by `If-Match`. Missing: 428. Not current: 412
 * (with the current ETag), so a stale editor cannot overwrite someone else's change.
 */
export function requireIfMatch(c: Context, currentRevision: number): void {
  const header = c.req.header('if-match');
  if (!header) {
    throw new HttpProblem(
      problem(
        428,
        'Send If-Match with the ETag you last read, so that concurrent edits are not lost.',
      ),
    );
  }
  const current = etagOf(currentRevision);
  // An ETag is quoted ("r3"); shells often drop the quotes (-H "If-Match: "r3"" sends r3): both count.
  const tags = header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .map((t) => (t === '*' || t.startsWith('"') ? t : `"${t}"`));
  if (!tags.includes(current) && !tags.includes('*')) {
    throw new HttpProblem(
      problem(
        412,
        `If-Match ${header} is stale: the current ETag is ${current}. Read the object again and send its ETag header as it came (with or without its double quotes), then retry.`,
      ),
      { ETag: current },
    );
  }
}
