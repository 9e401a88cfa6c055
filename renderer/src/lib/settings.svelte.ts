// User settings that apply to every view, kept in localStorage: the time zone of every time shown, and the theme.

export type TimeZoneSetting = 'local' | 'utc';
export type ThemeSetting = 'system' | 'light' | 'dark';

function load<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = localStorage.getItem(`tributary.${key}`);
    return allowed.includes(v as T) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

class Settings {
  tz = $state<TimeZoneSetting>(load('tz', ['local', 'utc'] as const, 'local'));
  theme = $state<ThemeSetting>(load('theme', ['system', 'light', 'dark'] as const, 'system'));

  set<K extends 'tz' | 'theme'>(key: K, value: Settings[K]): void {
    (this as Record<K, unknown>)[key] = value;
    try {
      localStorage.setItem(`tributary.${key}`, String(value));
    } catch {
      // private mode: the setting lasts for this page only
    }
  }
}

export const settings = new Settings();

/** Applies the theme to <html data-theme>, following the OS when set to system. */
export function applyTheme(): () => void {
  const mq = matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    const dark = settings.theme === 'dark' || (settings.theme === 'system' && mq.matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  };
  apply();
  mq.addEventListener('change', apply);
  return () => mq.removeEventListener('change', apply);
}

export function isDark(): boolean {
  return document.documentElement.dataset.theme === 'dark';
}
