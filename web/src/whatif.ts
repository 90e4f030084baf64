// The what-if panel's logic (POST /api/whatif, docs/limits.md): the form's trade checked before it
// is sent, and a reducer that keeps the answer to the newest request only (answers can arrive out
// of order while one types).
import type { WhatIfResponse } from "./protocol.generated";

export type TradeForm = { node: string; symbol: string; quantity: string; price: string };
export type Trade = { node: string; symbol: string; quantity: number; price?: number };

const number = (text: string) => {
  const t = text.trim().replace(/,/g, "");
  return /^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/.test(t) ? Number(t) : NaN;
};

/** The trade of the form, or what is missing or wrong (null: nothing entered yet). */
export function tradeOf(f: TradeForm): { trade: Trade } | { error: string } | null {
  if (!f.quantity.trim() && !f.price.trim()) return null;
  if (!f.node) return { error: "choose a node" };
  if (!f.symbol) return { error: "choose a symbol" };
  const q = number(f.quantity);
  if (!Number.isFinite(q) || q === 0 || Math.abs(q) > 1e9) return { error: `quantity '${f.quantity}' is not a non-zero number within ±1e9` };
  const trade: Trade = { node: f.node, symbol: f.symbol, quantity: q };
  if (f.price.trim()) {
    const p = number(f.price);
    if (!Number.isFinite(p) || !(p > 0) || p > 1e9) return { error: `price '${f.price}' is not a number in (0, 1e9]` };
    trade.price = p;
  }
  return { trade };
}

/** `sent`: the newest request's id; `cleared`: requests up to this id were withdrawn (form emptied). */
export type WhatIfState = { sent: number; cleared: number; pending: boolean; answer: WhatIfResponse | null; error: string | null };
export type WhatIfAction =
  | { type: "sent"; id: number }
  | { type: "answer"; id: number; answer: WhatIfResponse }
  | { type: "failed"; id: number; error: string }
  | { type: "clear" };

export const initialWhatIf: WhatIfState = { sent: 0, cleared: 0, pending: false, answer: null, error: null };

export function whatIfReduce(s: WhatIfState, a: WhatIfAction): WhatIfState {
  switch (a.type) {
    case "sent":
      return { ...s, sent: Math.max(s.sent, a.id), pending: true };
    case "answer":
    case "failed":
      if (a.id !== s.sent || a.id <= s.cleared) return s; // superseded by a newer request, or withdrawn
      return a.type === "answer" ? { ...s, pending: false, answer: a.answer, error: null } : { ...s, pending: false, error: a.error };
    case "clear":
      return { ...initialWhatIf, sent: s.sent, cleared: s.sent };
  }
}
