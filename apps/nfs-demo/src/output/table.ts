/** Which side a column's cells line up on. */
export type Align = 'left' | 'right';

export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/**
 * Rows of cells as lines, columns separated by `gap` spaces and each as wide as its widest cell;
 * a left-aligned last column is not padded, so lines carry no trailing blanks.
 */
export function formatColumns(
  aligns: readonly Align[],
  rows: readonly (readonly string[])[],
  gap = 2,
): string[] {
  const widths = aligns.map((_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((cells) =>
    aligns
      .map((align, i) => {
        const cell = cells[i] ?? '';
        if (i === aligns.length - 1 && align === 'left') return cell;
        return align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** A header line and the rows under it, in columns. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  return formatColumns(
    columns.map((c) => c.align ?? 'left'),
    [columns.map((c) => c.header), ...rows],
  ).join('\n');
}
