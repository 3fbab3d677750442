/**
 * The console's only stylesheet and script, served by Junction itself (`/console/assets/...`):
 * no CDN, no build step. Colours keep a contrast of at least 4.5:1 on their backgrounds.
 */
export const consoleCss = `
:root { --ink: #1b1f24; --muted: #505a66; --line: #c9d1da; --bg: #ffffff; --panel: #f4f6f8;
  --accent: #0b5cad; --ok: #1a6b32; --bad: #a4161a; --warn: #7a4b00; font-family: system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible
  { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #14233a; color: #fff; flex-wrap: wrap; }
header.top a { color: #fff; } header.top nav ul { display: flex; gap: .8rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
header.top .who { margin-left: auto; display: flex; gap: .6rem; align-items: center; font-size: .9rem; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #fff; }
main { padding: 1rem 1.2rem 3rem; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: .4rem 0 1rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; }
pre { background: var(--panel); padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid var(--line); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .8rem; margin: 0; }
.cards div { background: var(--panel); border: 1px solid var(--line); padding: .6rem .8rem; }
.cards dt { color: var(--muted); font-size: .85rem; } .cards dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
.state { display: inline-block; padding: 0 .4rem; border-radius: .3rem; border: 1px solid currentColor; font-size: .85rem; }
.state-succeeded, .state-approved, .badge-ok { color: var(--ok); }
.state-dead, .state-failed, .state-rejected, .state-unknown, .badge-breached { color: var(--bad); }
.state-waiting, .state-pending, .state-queued, .state-open { color: var(--warn); }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; border: 1px solid currentColor; font-size: .8rem; }
form.inline { display: inline; }
button, .button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: .3rem; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); } button.danger { background: var(--bad); border-color: var(--bad); }
label { display: block; font-weight: 600; font-size: .9rem; }
input, select, textarea { font: inherit; padding: .3rem; border: 1px solid #6b7785; border-radius: .25rem; }
fieldset.filters { display: flex; gap: .8rem; flex-wrap: wrap; align-items: flex-end; border: 1px solid var(--line); padding: .6rem; }
.error, [role="alert"] { color: var(--bad); }
.notice { border-left: 4px solid var(--ok); background: #eef7f0; padding: .5rem .8rem; }
.problem { border-left: 4px solid var(--bad); background: #fbeeee; padding: .5rem .8rem; }
.muted { color: var(--muted); } .hint { display: block; font-size: .85rem; }
label.inline { display: inline; font-weight: 400; } .step-preview h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
details.confirm { display: inline-block; } details.confirm[open] { border: 1px solid var(--line); padding: .4rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.diff-changed { background: #fff4d6; } .pager { margin-top: .8rem; display: flex; gap: 1rem; }
.signin { max-width: 26rem; margin: 4rem auto; } .signin input { width: 100%; }
`;

/**
 * Progressive enhancement, nothing more: every page works without it. It refreshes the parts
 * marked `data-poll` (runs, queue) in place, binds the review page's keyboard shortcuts
 * (`data-key`), and ticks the bulk-approve boxes together.
 */
export const consoleJs = `(() => {
  const busy = new WeakSet();
  const refresh = async (el) => {
    if (document.hidden || busy.has(el) || el.contains(document.activeElement) || el.querySelector('input:checked')) return;
    busy.add(el);
    try {
      const res = await fetch(el.dataset.poll, { credentials: 'same-origin', headers: { 'X-Console-Fragment': '1' } });
      if (res.ok && res.headers.get('content-type')?.startsWith('text/html')) {
        el.innerHTML = await res.text();
        el.dataset.refreshedAt = new Date().toISOString();
      }
    } catch {} finally { busy.delete(el); }
  };
  for (const el of document.querySelectorAll('[data-poll]')) {
    setInterval(() => refresh(el), Number(el.dataset.every || 5000));
  }
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const target = document.querySelector('[data-key="' + CSS.escape(e.key) + '"]');
    if (!target) return;
    e.preventDefault();
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) target.focus();
    else target.click();
  });
  for (const all of document.querySelectorAll('input[data-select-all]')) {
    all.addEventListener('change', () => {
      for (const box of document.querySelectorAll('input[name="' + all.dataset.selectAll + '"]')) box.checked = all.checked;
    });
  }
})();
`;
