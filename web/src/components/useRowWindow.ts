// Windowed rendering for long tables: only the rows in view (and a few either side) are in the
// DOM, with spacer rows standing for the others, so thousands of rows cost what a screenful does.
import { useState, type UIEvent } from "react";

export type RowWindow = { first: number; end: number; before: number; after: number; onScroll: (e: UIEvent<HTMLElement>) => void };

/** The rows [first, end) to render of `count`, each `rowPx` high, `visible` at a time, and the spacers' heights. */
export function useRowWindow(count: number, rowPx: number, visible: number): RowWindow {
  const [top, setTop] = useState(0);
  const first = Math.min(Math.max(0, Math.floor(top / rowPx) - 2), Math.max(0, count - visible));
  const end = Math.min(count, first + visible + 4);
  return { first, end, before: first * rowPx, after: Math.max(0, (count - end) * rowPx), onScroll: (e) => setTop(e.currentTarget.scrollTop) };
}
