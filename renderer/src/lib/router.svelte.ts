// Hash router: `#/view?key=value…`. Every view keeps its state in the query, so a reload or a pasted link shows the
// same thing. Views read `router.params` and change it with `setParams` (replace) or `go` (a new history entry).

export const VIEWS = ['overview', 'topics', 'messages', 'search', 'tail', 'groups', 'metrics', 'settings'] as const;
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

class Router {
  view = $state<View>('overview');
  params = $state<Params>({});

  constructor() {
    const r = parse(location.hash);
    this.view = r.view;
    this.params = r.params;
    addEventListener('hashchange', () => {
      const n = parse(location.hash);
      this.view = n.view;
      this.params = n.params;
    });
  }

  go(view: View, params: Params = {}): void {
    location.hash = href(view, params);
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
      this.params = next;
    }
  }
}

export const router = new Router();
