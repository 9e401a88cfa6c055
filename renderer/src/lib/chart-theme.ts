// Colours and axes for uPlot charts from the page's CSS variables, and the time zone setting for time axes.
import uPlot from 'uplot';
import { fmtTime } from './format';
import { settings } from './settings.svelte';

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function axisStyle(): Partial<uPlot.Axis> {
  return { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid'), width: 1 }, font: '11px system-ui, sans-serif' };
}

/** uPlot draws times in the browser's zone unless told otherwise: UTC when the setting says so. */
export function tzDate(): ((ts: number) => Date) | undefined {
  return settings.tz === 'utc' ? (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC') : undefined;
}

/** Time axis labels in the chosen zone, 24-hour like every other time in the app: `17:05`, `17:05:30`, `12-02 17:00`. */
export function timeAxis(): Partial<uPlot.Axis> {
  return {
    ...axisStyle(),
    space: 70,
    values: (_u, splits) => {
      if (splits.length === 0) return [];
      const span = splits[splits.length - 1]! - splits[0]!;
      const step = splits.length > 1 ? splits[1]! - splits[0]! : 0;
      return splits.map((v) => {
        const full = fmtTime(v, { millis: false });
        if (span > 86_400_000) return `${full.slice(5, 10)} ${full.slice(11, 16)}`;
        return step < 60_000 ? full.slice(11, 19) : full.slice(11, 16);
      });
    },
  };
}
