/**
 * Calls `onGone` once the process that started Junction's npm script is gone. `npm start` runs
 * Junction below npm and a shell (`sh -c`); a SIGTERM sent to npm ends npm and that shell but never
 * reaches Junction, which would run on, orphaned, holding its port and its embedded PostgreSQL.
 * Only when started by an npm script (`npm_lifecycle_event` set): a process started otherwise
 * may outlive its parent on purpose (`nohup`, a shell that exits). Checked every `everyMs`
 * with an unref'd timer.
 */
export function onLauncherGone(onGone: () => void, everyMs = 500): void {
  if (process.env.npm_lifecycle_event === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
}
