// GitHub's OpenAPI description (@octokit/openapi, api.github.com.json) as Ajv
// validators: check(operationId, response) validates a response body against the
// schema of that operation and status, counts it in `checked`, and returns the body.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv";

const require = createRequire(import.meta.url);
// OpenAPI 3.0 schemas into Ajv: nullable is Ajv's OpenAPI keyword; formats are not checked.
const spec = JSON.parse(readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8"));
// OpenAPI 3.0.3 clarifies that nullable: true admits null even where an enum lists the
// values (Ajv applies the enum to null too): add null to such enums.
(function nullableEnums(node) {
  if (Array.isArray(node)) return node.forEach(nullableEnums);
  if (node === null || typeof node !== "object") return;
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
  Object.values(node).forEach(nullableEnums);
})(spec.components);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: "gh", components: spec.components }, "gh");
function responseSchema(operationId, status) {
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (op && op.operationId === operationId) {
        let r = op.responses[String(status)];
        if (r && r.$ref) r = r.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
        const s = r && r.content && r.content["application/json"] && r.content["application/json"].schema;
        if (!s) return null;
        return JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"gh#/components/'));
      }
    }
  }
  throw new Error("no operation " + operationId);
}
export const checked = {};
export function check(operationId, response) {
  const schema = responseSchema(operationId, response.status);
  if (schema) {
    const validate = ajv.compile(schema);
    if (!validate(response.data)) {
      const errors = validate.errors.slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
      throw new Error(`${operationId} ${response.status}: does not match GitHub's OpenAPI description:\n  ${errors.join("\n  ")}`);
    }
  }
  checked[operationId] = (checked[operationId] || 0) + 1;
  return response.data;
}
