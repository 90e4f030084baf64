// Spot x vol stress grid on a canvas: red for losses, green for gains, scaled to the largest |P&L|.
import { useEffect, useRef } from "react";

export function Heatmap({ grid }: { grid: { spot: number[]; vol: number[]; pnl: number[][] } }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx || grid.spot.length === 0) return;
    const left = 48, top = 18, cw = (c.width - left) / grid.vol.length, ch = (c.height - top) / grid.spot.length;
    const max = Math.max(1, ...grid.pnl.flat().map(Math.abs));
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.font = "10px system-ui";
    ctx.fillStyle = "#aab";
    grid.vol.forEach((v, j) => ctx.fillText(`${v >= 0 ? "+" : ""}${Math.round(v * 100)}%`, left + j * cw + 4, 12));
    grid.spot.forEach((s, i) => {
      ctx.fillStyle = "#aab";
      ctx.fillText(`${s >= 0 ? "+" : ""}${Math.round(s * 100)}%`, 4, top + i * ch + ch * 0.7);
      grid.vol.forEach((_, j) => {
        const x = grid.pnl[i][j] / max;
        ctx.fillStyle = x < 0 ? `rgba(220,60,60,${0.15 + 0.85 * -x})` : `rgba(40,170,90,${0.15 + 0.85 * x})`;
        ctx.fillRect(left + j * cw, top + i * ch, cw - 1, ch - 1);
      });
    });
  }, [grid]);
  return <canvas ref={canvas} width={420} height={300} aria-label="spot x vol P&L heatmap" />;
}
