import { Layout } from './layout.js';

/** Sign-in with an API token; the token is sent once and kept by nobody but the server's hash. */
export function SignInPage(props: { next: string; problem?: string | undefined }) {
  return (
    <Layout title="Sign in">
      <div class="signin">
        <p>
          Sign in with a Junction API token (the one printed on first start, JUNCTION_ADMIN_TOKEN,
          or one made with <code>POST /v1/tokens</code>). The console keeps only a session cookie;
          the token's role decides what you see and may do.
        </p>
        {props.problem && (
          <p class="problem" role="alert" id="signin-problem">
            {props.problem}
          </p>
        )}
        <form method="post" action="/console/sign-in">
          <input type="hidden" name="next" value={props.next} />
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            required
            aria-describedby={props.problem ? 'signin-problem' : undefined}
          />
          <p>
            <button type="submit">Sign in</button>
          </p>
        </form>
      </div>
    </Layout>
  );
}
