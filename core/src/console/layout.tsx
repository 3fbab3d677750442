import type { Child } from 'hono/jsx';
import { roleHasPermission } from '../auth/permissions.js';
import type { ConsoleSession } from './console-sessions.js';

/** The console's sections: each needs its permission, and its page served by this process. */
export const consoleSections = [
  { href: '/console', label: 'Overview', permission: 'read' },
  { href: '/console/runs', label: 'Runs', permission: 'read' },
  { href: '/console/reviews', label: 'Review queue', permission: 'reviews:read' },
  { href: '/console/integrations', label: 'Integrations', permission: 'read' },
  { href: '/console/syncs', label: 'Syncs', permission: 'read' },
  { href: '/console/connections', label: 'Connections', permission: 'read' },
  { href: '/console/plugins', label: 'Plugins', permission: 'read' },
  { href: '/console/audit', label: 'Audit', permission: 'audit:read' },
  { href: '/console/tokens', label: 'Tokens', permission: 'tokens:manage' },
] as const;

/** The document around every console page: skip link, navigation by role, sign-out. */
export function Layout(props: {
  title: string;
  session?: ConsoleSession | undefined;
  current?: string;
  children?: Child;
}) {
  const { session } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Junction console`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <strong>Junction</strong>
          {session && (
            <nav aria-label="Console sections">
              <ul>
                {consoleSections
                  .filter(
                    (s) =>
                      roleHasPermission(session.principal.role, s.permission) &&
                      (session.served?.includes(s.href) ?? true),
                  )
                  .map((s) => (
                    <li>
                      <a href={s.href} aria-current={props.current === s.href ? 'page' : undefined}>
                        {s.label}
                      </a>
                    </li>
                  ))}
              </ul>
            </nav>
          )}
          {session && (
            <div class="who">
              <span>
                {session.principal.name} ({session.principal.role})
              </span>
              <form class="inline" method="post" action="/console/sign-out">
                <Csrf session={session} />
                <button type="submit">Sign out</button>
              </form>
            </div>
          )}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The hidden field every console form carries (checked with the session's token). */
export function Csrf(props: { session: ConsoleSession }) {
  return <input type="hidden" name="_csrf" value={props.session.csrf} />;
}

/** A write action behind a confirmation: the button opens a small panel with the real submit. */
export function ConfirmForm(props: {
  session: ConsoleSession;
  action: string;
  label: string;
  question: string;
  danger?: boolean;
  fields?: Record<string, string>;
}) {
  return (
    <details class="confirm">
      <summary class="button">{props.label}…</summary>
      <form method="post" action={props.action}>
        <Csrf session={props.session} />
        {Object.entries(props.fields ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <p>{props.question}</p>
        <button type="submit" class={props.danger ? 'danger' : undefined}>
          Yes, {props.label.toLowerCase()}
        </button>
      </form>
    </details>
  );
}

/** A state word with its colour (text as well, never colour alone). */
export function StateBadge(props: { state: string }) {
  return <span class={`state state-${props.state}`}>{props.state}</span>;
}

/** Flash messages carried in the query string after a redirect (`?done=` / `?problem=`). */
export function Flash(props: { done?: string | undefined; problem?: string | undefined }) {
  return (
    <>
      {props.done && (
        <p class="notice" role="status">
          {props.done}
        </p>
      )}
      {props.problem && (
        <p class="problem" role="alert">
          {props.problem}
        </p>
      )}
    </>
  );
}
