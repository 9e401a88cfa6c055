// Keyboard-first: one global handler. `/` search, `?` shortcuts, `j`/`k` move in the current list, `g` + letter goes
// to a view, `t z` widens the time range. Views register what `j`/`k`/`t z`/`/` mean for them while they are shown.
import { router, type View } from './router.svelte';

export interface ViewKeys {
  move?: (delta: number) => void;
  open?: () => void;
  focusSearch?: () => boolean;
  widen?: () => void;
}

export const SHORTCUTS: [string, string][] = [
  ['/', 'focus the search box (or go to Search)'],
  ['?', 'show this list'],
  ['j / k', 'next / previous row'],
  ['Enter', 'open the selected row'],
  ['g o', 'go to Overview'],
  ['g t', 'go to Topics'],
  ['g m', 'go to Messages'],
  ['g s', 'go to Search'],
  ['g l', 'go to Live tail'],
  ['g c', 'go to Consumer groups'],
  ['g x', 'go to Metrics'],
  ['g !', 'go to Alerts'],
  ['g k', 'go to Clusters (connections)'],
  ['g f', 'go to Flows (forwarding, derived topics)'],
  ['g a', 'go to Access (users)'],
  ['g ,', 'go to Settings'],
  ['t z', 'widen the time range (twice as wide)'],
  ['Esc', 'close a dialog, leave a text box'],
];

const GO: Record<string, View> = { o: 'overview', t: 'topics', m: 'messages', s: 'search', l: 'tail', c: 'groups', ',': 'settings', x: 'metrics', '!': 'alerts', a: 'access', k: 'clusters', f: 'flows' };

class Keyboard {
  helpOpen = $state(false);
  private viewKeys: ViewKeys = {};
  private pending: string | null = null;
  private pendingTimer: ReturnType<typeof setTimeout> | null = null;

  /** A view's handlers while it is mounted; returns the cleanup. */
  register(keys: ViewKeys): () => void {
    this.viewKeys = keys;
    return () => {
      if (this.viewKeys === keys) this.viewKeys = {};
    };
  }

  handle = (e: KeyboardEvent): void => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    const typing = !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
    if (e.key === 'Escape') {
      if (this.helpOpen) this.helpOpen = false;
      else if (typing) t!.blur();
      return;
    }
    if (typing) return;
    const key = e.key;
    if (this.pending) {
      const first = this.pending;
      this.pending = null;
      if (this.pendingTimer) clearTimeout(this.pendingTimer);
      if (first === 'g' && GO[key]) {
        e.preventDefault();
        router.go(GO[key]!);
        return;
      }
      if (first === 't' && key === 'z') {
        e.preventDefault();
        this.viewKeys.widen?.();
        return;
      }
    }
    switch (key) {
      case 'g':
      case 't':
        this.pending = key;
        this.pendingTimer = setTimeout(() => (this.pending = null), 1500);
        return;
      case '?':
        e.preventDefault();
        this.helpOpen = !this.helpOpen;
        return;
      case '/':
        e.preventDefault();
        if (!this.viewKeys.focusSearch?.()) router.go('search', { focus: '1' });
        return;
      case 'j':
      case 'ArrowDown':
        if (this.viewKeys.move) {
          e.preventDefault();
          this.viewKeys.move(1);
        }
        return;
      case 'k':
      case 'ArrowUp':
        if (this.viewKeys.move) {
          e.preventDefault();
          this.viewKeys.move(-1);
        }
        return;
      case 'Enter':
        this.viewKeys.open?.();
        return;
    }
  };
}

export const keyboard = new Keyboard();
