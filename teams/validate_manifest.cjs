// Validate a Teams app manifest with the validator of @microsoft/app-manifest
// (ajv, draft-04) against a schema file shipped by that package; no network.
// Usage: node validate_manifest.cjs <manifest.json> <schema.json>
// Prints a JSON array of error strings; exits 1 when there are errors.
"use strict";

const fs = require("fs");
const { AppManifestUtils } = require("@microsoft/app-manifest");

async function main([manifestPath, schemaPath]) {
  if (!manifestPath || !schemaPath) {
    throw new Error("usage: node validate_manifest.cjs <manifest.json> <schema.json>");
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
  const errors = await AppManifestUtils.validateAgainstSchema(manifest, schema);
  process.stdout.write(JSON.stringify(errors) + "\n");
  return errors.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  },
);
