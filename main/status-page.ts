/**
 * What the window shows while the core is not serving the UI (starting, restarting after a crash, given up): a static
 * page as a data: URL, without script, so the reason is in front of the user and not only in a log.
 */
import type { CoreState } from './core-supervisor.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function statusMessage(state: CoreState): { title: string; detail: string } {
  switch (state.kind) {
    case 'starting':
      return { title: 'Starting Tributary…', detail: 'Opening the data directory and the listeners.' };
    case 'running':
      return { title: 'Tributary is running', detail: `Kafka listener on ${state.ready.kafka}.` };
    case 'restarting':
      return { title: 'Tributary’s core stopped', detail: `${state.reason}. Restarting in ${Math.max(1, Math.round(state.inMs / 1000))} s…` };
    case 'failed':
      return { title: 'Tributary could not start', detail: `${state.reason}. Fix the cause, then choose Retry in the tray menu (or restart the app).` };
    case 'stopped':
      return { title: 'Tributary has stopped', detail: '' };
  }
}

export function statusPageUrl(state: CoreState): string {
  const { title, detail } = statusMessage(state);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Tributary</title><style>
:root{color-scheme:light dark}body{font:15px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;height:100vh}
main{max-width:42em;padding:2em}h1{font-size:1.3em;margin:0 0 .5em}p{margin:0;white-space:pre-wrap;word-break:break-word}
</style></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></main></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
