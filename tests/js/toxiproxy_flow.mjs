// A game day with the npm Toxiproxy client against failsim serve's control API: list the
// proxies, put a hand-made blackhole on the primary's exporter, update toxics (the client
// posts; the official CLI's PATCH too), remove them, disable a proxy, reset. After each
// step the world's own Prometheus (the fake's /api/v1/query) says whether the primary's
// exporter target is up: the hand-made faults reach the model.
// Usage: node toxiproxy_flow.mjs ENDPOINTS_JSON. Prints one JSON object; exits 1 on failure.
import { readFileSync } from "node:fs";
import { Toxiproxy } from "toxiproxy-node-client";
import { until } from "./lib/wait.mjs";

const endpoints = JSON.parse(readFileSync(process.argv[2], "utf8")).endpoints;
const toxiproxy = new Toxiproxy(endpoints.control);
// up{instance="serotonin:9102"} as the world's Prometheus has it: "1", "0" or null.
async function primaryUp() {
  const q = encodeURIComponent('up{instance="serotonin:9102"}');
  const body = await (await fetch(`${endpoints.prometheus}/api/v1/query?query=${q}`)).json();
  return body.data.result.length === 1 ? body.data.result[0].value[1] : null;
}
async function exporterAnswers() {
  try {
    const r = await fetch(endpoints["exporter-Serotonin-paws360"], { signal: AbortSignal.timeout(1500) });
    return r.status;
  } catch (e) {
    return "no answer";
  }
}

const seen = {};
try {
  const all = await toxiproxy.getAll();
  seen.proxies = Object.keys(all).sort();
  await until("the primary scraped up", async () => (await primaryUp()) === "1");
  const proxy = await toxiproxy.get("exporter-Serotonin-paws360");
  const blackhole = await proxy.addToxic({ name: "gameday", type: "timeout", stream: "upstream", toxicity: 1, attributes: { timeout: 0 } });
  seen.added = blackhole.name;
  seen.down_with_blackhole = await until("up == 0 under the blackhole", async () => ((await primaryUp()) === "0" ? true : null));
  const latency = await proxy.addToxic({ name: "slow", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 100, jitter: 0 } });
  const updated = await latency.update({ attributes: { latency: 250, jitter: 10 } });  // POST, as the client does
  seen.updated_latency = updated.attributes.latency;
  const patched = await fetch(`${endpoints.control}/proxies/exporter-Serotonin-paws360/toxics/slow`, {
    method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ attributes: { latency: 300 } }),
  });
  seen.patch_status = patched.status;
  seen.patched_latency = (await proxy.getToxic("slow")).attributes.latency;
  await blackhole.remove();
  await (await proxy.getToxic("slow")).remove();
  seen.toxics_after_remove = (await (await fetch(`${endpoints.control}/proxies/exporter-Serotonin-paws360/toxics`)).json()).length;
  seen.up_after_remove = await until("up == 1 once the toxics are gone", async () => ((await primaryUp()) === "1" ? true : null));
  const disabled = await proxy.update({ enabled: false });
  seen.disabled = disabled.enabled === false;
  seen.exporter_while_disabled = await exporterAnswers();
  seen.down_while_disabled = await until("up == 0 while disabled", async () => ((await primaryUp()) === "0" ? true : null));
  await toxiproxy.reset();
  const after = await toxiproxy.get("exporter-Serotonin-paws360");
  seen.enabled_after_reset = after.enabled;
  seen.exporter_after_reset = await exporterAnswers();
  seen.up_after_reset = await until("up == 1 after reset", async () => ((await primaryUp()) === "1" ? true : null));
  console.log(JSON.stringify({ ok: true, seen }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack ? e.stack : e), seen }));
  process.exit(1);
}
