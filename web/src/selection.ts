// Drill-down: the node the dashboard shows, as pure functions (unit-tested). The URL's `node`
// parameter holds it, so a link opens the same view; a node not in the book falls back to the
// root. The selected node's subtree is the node and every node below it.
import type { HistoryPoint, NodeRisk, Position } from "./protocol";

/** The `node` of a query string (`location.search`), or null. */
export const nodeFromSearch = (search: string): string | null => new URLSearchParams(search).get("node");

/** The query string with `node` set (or removed for null), every other parameter (token, ws) kept. */
export function searchWithNode(search: string, node: string | null): string {
  const p = new URLSearchParams(search);
  if (node === null) p.delete("node");
  else p.set("node", node);
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The node to show: `wanted` if the book has it, else the root. */
export function resolveNode(nodes: NodeRisk[], wanted: string | null): NodeRisk {
  return (wanted !== null && nodes.find((n) => n.path === wanted)) || nodes[0];
}

export const within = (path: string, ancestor: string): boolean => path === ancestor || path.startsWith(`${ancestor}/`);

/** The node and every node below it, in the book's order (a parent before its children). */
export const subtree = (nodes: NodeRisk[], path: string): NodeRisk[] => nodes.filter((n) => within(n.path, path));

/** The positions held at the node or below it. */
export const positionsUnder = (positions: Position[], path: string): Position[] => positions.filter((p) => within(p.node, path));

/** The breadcrumb of a path: FIRM/Equities/EU -> [FIRM, FIRM/Equities, FIRM/Equities/EU]. */
export function ancestry(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** The last segment of a path, for display. */
export const leaf = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/**
 * The chart points of a node other than the root, built from the stream: the stream's own
 * history carries the root only, so each publication's figures of the selected node are appended
 * here (at the publication's time). Selecting another node starts again; at most `max` points.
 */
export interface Trail {
  node: string;
  points: HistoryPoint[];
}

export function trailReduce(trail: Trail, node: NodeRisk, timeMs: number, max: number): Trail {
  const points = trail.node === node.path ? trail.points : [];
  const last = points[points.length - 1];
  if (last && last[0] >= timeMs) return trail.node === node.path ? trail : { node: node.path, points };
  const next = [...points, [timeMs, node.pnl, node.var_99] as HistoryPoint];
  return { node: node.path, points: next.length > max ? next.slice(next.length - max) : next };
}
