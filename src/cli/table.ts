// Space-aligned columns with a header row, the way Kafka's own tools (kafka-consumer-groups.sh) print tables.

/** Cells that are null or undefined print as "-", as Kafka does for "not known". */
export type Cell = string | number | bigint | null | undefined;

const GAP = 2;

/** The header and rows as lines, each column as wide as its widest cell, trailing spaces trimmed; ends with "\n". */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = [header, ...rows].map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths = header.map((_, column) => Math.max(...text.map((row) => row[column]?.length ?? 0)));
  return text.map((row) => row.map((cell, column) => cell.padEnd(widths[column]! + GAP)).join('').trimEnd()).join('\n') + '\n';
}
