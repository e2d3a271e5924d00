// Composes the five subgraphs' committed SDL files into the supergraph the gateway serves.
//
//   node compose.mjs            write ../supergraph.graphql
//   node compose.mjs --check    exit 1 when ../supergraph.graphql differs from a fresh composition
//   node compose.mjs --out F    write F instead (relative to the current directory)
//
// Subgraph URLs are the platform's local defaults; deployments override them in the gateway's
// configuration, not here, so the committed file stays the same everywhere.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const SUBGRAPHS = [
  ["customers", 4001],
  ["orders", 4002],
  ["payments", 4003],
  ["fulfillment", 4004],
  ["returns", 4005],
];

function fail(message) {
  process.stderr.write(`compose: ${message}\n`);
  process.exit(1);
}

function loadServices() {
  return SUBGRAPHS.map(([name, port]) => {
    const path = join(root, "subgraphs", name, "schema.graphql");
    if (!existsSync(path)) fail(`missing ${path} (each subgraph commits its SDL there)`);
    let typeDefs;
    try {
      typeDefs = parse(readFileSync(path, "utf8"));
    } catch (err) {
      fail(`${path}: ${err.message}`);
    }
    return { name, typeDefs, url: `http://127.0.0.1:${port}/graphql` };
  });
}

function compose() {
  const result = composeServices(loadServices());
  if (compositionHasErrors(result)) {
    const lines = result.errors.map((e) => `  - ${e.message}`).join("\n");
    fail(`composition failed:\n${lines}`);
  }
  return result.supergraphSdl.trimEnd() + "\n";
}

function main(argv) {
  const check = argv.includes("--check");
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? fail("--out needs a path")) : join(root, "supergraph.graphql");
  const fresh = compose();
  if (check) {
    const committed = existsSync(out) ? readFileSync(out, "utf8") : "";
    if (committed !== fresh) {
      fail(`${out} is out of date: run compose/compose.sh and commit the result`);
    }
    process.stdout.write(`compose: ${out} is up to date\n`);
    return;
  }
  writeFileSync(out, fresh);
  process.stdout.write(`compose: wrote ${out}\n`);
}

main(process.argv.slice(2));
