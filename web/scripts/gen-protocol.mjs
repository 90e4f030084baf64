// Generates src/protocol.generated.ts from docs/protocol.schema.json, the protocol's one
// machine-readable home. `node scripts/gen-protocol.mjs` writes it; `--check` fails (exit 1) when
// the committed file differs, so the TypeScript types cannot drift from the schema.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = resolve(here, "../../docs/protocol.schema.json");
const outPath = resolve(here, "../src/protocol.generated.ts");

export async function generate() {
  const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
  // One exported type per definition: compile a root that references them all.
  const root = { ...schema, title: "ProtocolTypes", type: "object", additionalProperties: false,
    properties: Object.fromEntries(Object.keys(schema.definitions).map((k) => [k, { $ref: `#/definitions/${k}` }])) };
  const banner = "// Generated from docs/protocol.schema.json by web/scripts/gen-protocol.mjs: do not edit.\n";
  const ts = await compile(root, "ProtocolTypes", { bannerComment: banner, additionalProperties: false, unreachableDefinitions: true,
    declareExternallyReferenced: true, format: true, style: { printWidth: 140 } });
  return ts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ts = await generate();
  if (process.argv.includes("--check")) {
    const current = readFileSync(outPath, "utf8");
    if (current !== ts) {
      console.error("src/protocol.generated.ts is out of date with docs/protocol.schema.json: run npm run gen:protocol");
      process.exit(1);
    }
  } else {
    writeFileSync(outPath, ts);
  }
}
