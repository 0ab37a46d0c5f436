// The control room of `failsim serve` in Debian's Chromium, driven through the Chrome
// DevTools protocol by puppeteer-core (pinned in tests/package.json): a facilitator's
// game day, by clicks only.
//   node control_room.mjs ENDPOINTS_JSON OUT_DIR
// Pauses and resumes the clock, partitions the primary's exporter, waits for its target
// to go down and an alert to go pending then firing, raises the speed, triggers a
// deploy and waits for it to land; writes OUT_DIR/control-room.png. The last line of
// output is one JSON object of what it saw; the C++ test (control_room_test.cc) asserts
// on it and on the run's results.json.
import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";

const [endpointsPath, outDir] = process.argv.slice(2);
const endpoints = JSON.parse(fs.readFileSync(endpointsPath, "utf8")).endpoints;
const url = endpoints.control_room;
const seen = {ok: false, console_errors: [], steps: []};
const chromium = fs.existsSync("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium";

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  timeout: 30000,
});
const text = (page, selector) => page.$eval(selector, (el) => el.textContent);
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1100});
  page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
  page.on("pageerror", (e) => seen.console_errors.push(String(e)));
  page.on("requestfailed", (r) => {
    // The event stream is cut when the browser closes; anything else is an error.
    if (!r.url().endsWith("/api/events")) seen.console_errors.push("request failed: " + r.url());
  });
  await page.goto(url, {waitUntil: "load", timeout: 15000});
  await page.waitForFunction(() => document.getElementById("link").textContent === "live" &&
      document.querySelectorAll("#runners tbody tr").length > 0, {timeout: 15000});
  seen.title = await page.title();
  const runners = await page.$$eval("#runners tbody tr", (rows) => rows.map((r) => ({
    name: r.dataset.runner, host: r.dataset.host, role: r.children[1].textContent})));
  seen.runners = runners;
  const primary = runners.find((r) => r.role === "primary").name;
  const primaryHost = runners.find((r) => r.role === "primary").host;
  const secondary = runners.find((r) => r.role === "secondary").name;
  seen.primary = primary;
  seen.secondary = secondary;

  // Pause: the virtual clock holds; resume: it moves again.
  await page.click('[data-testid="pause"]');
  await page.waitForFunction(() => document.body.dataset.paused === "true", {timeout: 10000});
  const heldAt = await text(page, "#clock");
  await new Promise((r) => setTimeout(r, 1500));
  seen.clock_held = (await text(page, "#clock")) === heldAt;
  await page.click('[data-testid="resume"]');
  await page.waitForFunction((t) => document.body.dataset.paused === "false" &&
      document.getElementById("clock").textContent !== t, {timeout: 10000}, heldAt);
  seen.clock_resumed = true;
  seen.steps.push("paused and resumed");

  // The primary's exporter partitioned from Prometheus, by a click.
  await page.click(`[data-testid="partition-exporter-${primary}"]`);
  await page.waitForFunction(() => [...document.querySelectorAll("#faults tbody tr")].some((r) =>
      r.textContent.includes("partition") && r.textContent.includes("hand")), {timeout: 10000});
  seen.steps.push("partition injected");
  // Its target goes down.
  const target = await page.waitForFunction((host) => {
    const row = [...document.querySelectorAll("#targets tbody tr")].find((r) => r.dataset.instance.startsWith(host + ":") &&
        r.dataset.health === "down");
    return row ? row.dataset.instance : null;
  }, {timeout: 30000}, primaryHost);
  seen.target_down = await target.jsonValue();
  seen.steps.push("target down");
  // An alert goes pending, then firing.
  const pending = await page.waitForFunction(() => {
    const row = document.querySelector('#alerts tbody tr[data-state="pending"]');
    return row ? row.dataset.rule : null;
  }, {timeout: 60000, polling: 50});
  seen.alert_pending = await pending.jsonValue();
  await page.waitForFunction((rule) => document.querySelector(`#alerts tbody tr[data-rule="${rule}"]`).dataset.state === "firing",
      {timeout: 60000}, seen.alert_pending);
  seen.alert_firing = seen.alert_pending;
  seen.steps.push("alert pending then firing");
  await page.screenshot({path: path.join(outDir, "control-room-alert.png"), fullPage: true});

  // Faster, then a deploy by a click: the gate refuses the primary, it lands on the secondary.
  // Typed as a facilitator types it (the field keeps an edit until it is applied).
  await page.click('[data-testid="speed"]', {clickCount: 3});
  await page.type('[data-testid="speed"]', "60");
  await page.click('[data-testid="set-speed"]');
  await page.waitForFunction(() => document.getElementById("clock-offset").textContent.includes("60x"), {timeout: 10000});
  seen.speed_set = 60;
  await page.type('[data-testid="deploy-version"]', "v9.9.9");
  await page.click('[data-testid="trigger-deploy"]');
  const landed = await page.waitForFunction(() => {
    const row = document.querySelector('#deploys tbody tr[data-version="v9.9.9"]');
    return row && row.dataset.outcome !== "pending" && row.dataset.outcome !== "scheduled" ? {outcome: row.dataset.outcome, runner: row.dataset.runner} : null;
  }, {timeout: 90000});
  seen.deploy = await landed.jsonValue();
  seen.production = await text(page, "#production");
  seen.timeline_rows = await page.$$eval("#timeline .ev", (rows) => rows.length);
  seen.timeline_decisions = await page.$$eval("#timeline .ev.cat-decision", (rows) => rows.map((r) => r.textContent).slice(0, 40));
  seen.steps.push("deploy landed");
  await page.screenshot({path: path.join(outDir, "control-room.png"), fullPage: true});
  // GitHub's API degraded by a click: a fault of the run like any other.
  await page.click('[data-testid="github-faults"] button');
  await page.waitForFunction(() => [...document.querySelectorAll("#faults tbody tr")].some((r) =>
      r.textContent.includes("github_degraded") && r.textContent.includes("hand")), {timeout: 10000});
  seen.github_fault = true;
  seen.ok = true;
} catch (e) {
  seen.error = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
process.exit(seen.ok ? 0 : 1);
