// Adds or removes an http_status toxic on a proxy with the unmodified npm Toxiproxy client
// (toxiproxy-node-client, pinned in tests/package.json): failsim's HTTP-level toxic is
// made as any Toxiproxy toxic is.
// Usage: node http_status_toxic.mjs CONTROL_URL PROXY add NAME STATUS [FIRST]
//        node http_status_toxic.mjs CONTROL_URL PROXY remove NAME
// Prints the toxic as the server answered it (add) or {"removed": NAME}; exits 1 on failure.
import { Toxiproxy } from "toxiproxy-node-client";

const [control, proxyName, action, name, status, first] = process.argv.slice(2);
try {
  const proxy = await new Toxiproxy(control).get(proxyName);
  if (action === "add") {
    const attributes = { status: Number(status) };
    if (first !== undefined) attributes.first = Number(first);
    const toxic = await proxy.addToxic({ name, type: "http_status", stream: "upstream", toxicity: 1, attributes });
    console.log(JSON.stringify(toxic.toJson()));
  } else {
    await (await proxy.getToxic(name)).remove();
    console.log(JSON.stringify({ removed: name }));
  }
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
  process.exit(1);
}
