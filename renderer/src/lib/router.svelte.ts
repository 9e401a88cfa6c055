// Hash router: `#/view?key=value…`. Every view keeps its state in the query, so a reload or a pasted link shows the
// same thing. Views read `router.params` and change it with `setParams` (replace) or `go` (a new history entry).
// The time range is one for the views that show time (RANGE_VIEWS): the router remembers the last one such a view's
// URL held and carries it to the next (`go`, `link`), so a range picked on a chart re-scopes Search, Messages and tail.
import { RANGE_VIEWS, switchParams } from './time-range';

export const VIEWS = ['overview', 'topics', 'messages', 'search', 'tail', 'groups', 'metrics', 'alerts', 'clusters', 'flows', 'access', 'settings'] as const;
export type View = (typeof VIEWS)[number];

type Params = Record<string, string>;

function parse(hash: string): { view: View; params: Params } {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const name = (q < 0 ? h : h.slice(0, q)) as View;
  const params: Params = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(h.slice(q + 1))) params[k] = v;
  return { view: VIEWS.includes(name) ? name : 'overview', params };
}

export function href(view: View, params: Params = {}): string {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null)).toString();
  return `#/${view}${qs ? `?${qs}` : ''}`;
}

/** The shared range survives a reload of a view without one (Overview, Topics…) in this tab. */
function loadRange(): { from?: string; to?: string } {
  try {
    const v = JSON.parse(sessionStorage.getItem('tributary.range') ?? '{}') as { from?: unknown; to?: unknown };
    return { from: typeof v.from === 'string' ? v.from : undefined, to: typeof v.to === 'string' ? v.to : undefined };
  } catch {
    return {};
  }
}

class Router {
  view = $state<View>('overview');
  params = $state<Params>({});
  /** The shared range as URL params (`from`, `to`; absent: the default), from the last time view shown. */
  range = $state<{ from?: string; to?: string }>(loadRange());
  /** What each view showed last, so switching back (nav, `g x`) returns to it: the same dashboard, query or topic. */
  last = $state<Partial<Record<View, Params>>>({});

  constructor() {
    const r = parse(location.hash);
    this.show(r.view, r.params);
    addEventListener('hashchange', () => {
      const n = parse(location.hash);
      this.show(n.view, n.params);
    });
  }

  private show(view: View, params: Params): void {
    this.view = view;
    this.params = params;
    if (this.last[view] !== params) this.last = { ...this.last, [view]: params };
    if (RANGE_VIEWS.includes(view) && (params.from !== this.range.from || params.to !== this.range.to)) {
      this.range = { from: params.from, to: params.to };
      try {
        sessionStorage.setItem('tributary.range', JSON.stringify(this.range));
      } catch {
        // not kept past this page
      }
    }
  }

  /** Goes to a view: without params, back to what it showed last; a time view gets the shared range (unless `params` sets one). */
  go(view: View, params: Params = {}): void {
    location.hash = this.link(view, params);
  }

  /** A link to a view, as `go` goes there. */
  link(view: View, params: Params = {}): string {
    return href(view, switchParams(view, params, this.last[view], this.range));
  }

  /** Changes some params of the current view without a new history entry (typing, scrolling, selecting). */
  setParams(changes: Record<string, string | number | null | undefined>, opts: { push?: boolean } = {}): void {
    const next: Params = { ...this.params };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') delete next[k];
      else next[k] = String(v);
    }
    const url = href(this.view, next);
    if (opts.push) location.hash = url;
    else {
      history.replaceState(history.state, '', url);
      this.show(this.view, next);
    }
  }
}

export const router = new Router();
