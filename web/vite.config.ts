import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The C++ server serves dist/, /ws/risk and /api from one origin; `npm run dev` proxies to it.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { "/ws": { target: "ws://127.0.0.1:8080", ws: true }, "/api": { target: "http://127.0.0.1:8080" } } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
