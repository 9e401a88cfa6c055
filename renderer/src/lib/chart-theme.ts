// Colours and axes for uPlot charts from the page's CSS variables, and the time zone setting for time axes.
import uPlot from 'uplot';
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
