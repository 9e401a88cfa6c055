// Numbers, sizes and durations as people read them in log lines and tables.

/** 1234 → "1,234": counts in log lines are read by people. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Bytes for people: 268435456 → "256 MiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/** Elapsed time for people: 42_000 → "42 s", 3_900_000 → "1 h 5 min". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}
