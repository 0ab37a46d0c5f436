// failsim control room (harness/live/control_room.h): renders the "state" events of
// /api/events and calls the game-day API (/api/faults, /api/deploys, /api/clock,
// /api/runs/{id}/cancel) on the same origin. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
let state = null;
const seenDecisions = new Set();
const timelineLimit = 2000;

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function offset(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const sign = seconds < 0 ? "-" : "+";
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const ss = s.toFixed(1).padStart(4, "0");
  return "T" + sign + (h > 0 ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + ss;
}

function badge(text, kind) {
  return '<span class="badge ' + (kind || "") + '">' + esc(text) + "</span>";
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : {"Content-Type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let reply = null;
  try { reply = text ? JSON.parse(text) : null; } catch (e) { reply = {error: text}; }
  if (!res.ok) {
    showError(method + " " + path + ": " + res.status + " " + ((reply && reply.error) || text));
    return null;
  }
  showError("");
  return reply;
}

function injectFault(fault) { return api("POST", "/api/faults", fault); }

// ---- rendering --------------------------------------------------------------------

let speedEdited = false;  // the speed field holds an edit not yet applied

function renderClock(s) {
  const c = s.clock;
  $("clock").textContent = c.now.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  $("clock-offset").textContent = offset(c.t_seconds) + " · " + c.speed + "x" + (c.paused ? " · paused" : "");
  $("pause").disabled = c.paused;
  $("resume").disabled = !c.paused;
  document.body.dataset.paused = String(c.paused);
  // The field follows the clock until someone edits it; an edit stays until it is
  // applied (a state event between typing and the click used to put the old speed back).
  if (!speedEdited && document.activeElement !== $("speed")) $("speed").value = c.speed;
  $("subtitle").textContent = s.scenario + " under " + s.policy;
}

function healthCell(r) {
  if (!r.health) return badge("not a candidate");
  if (r.health.healthy) return badge(r.health.warnings.length ? "healthy (warn)" : "healthy", r.health.warnings.length ? "warn" : "ok");
  return badge("unhealthy", "bad") + '<div class="reasons">' + esc(r.health.reasons.join("; ")) + "</div>";
}

function runnerButtons(r, s) {
  const b = (action, label) =>
    '<button class="small" type="button" data-action="' + action + '" data-runner="' + esc(r.name) + '" data-testid="' +
    action + "-" + esc(r.name) + '">' + label + "</button>";
  return (r.exporter_port ? b("partition-exporter", "partition exporter") + b("exporter-stop", "stop exporter") : "") +
      b("service-stop", "stop service") + b("service-crash", "crash service") + b("host-down", "host down") +
      b("cpu-load", "CPU 97%");
}

function renderRunners(s) {
  $("runners").tBodies[0].innerHTML = s.runners.map((r) =>
    '<tr data-runner="' + esc(r.name) + '" data-host="' + esc(r.host) + '"><td><b>' + esc(r.name) + '</b><div class="muted">' + esc(r.labels.join(", ")) + "</div></td>" +
    "<td>" + esc(r.role) + "</td>" +
    "<td data-field=github>" + badge(r.github + (r.busy ? ", busy" : ""), r.github === "online" ? (r.busy ? "info" : "ok") : "bad") + "</td>" +
    "<td>" + badge(r.service, r.service === "running" ? "ok" : "bad") + "</td>" +
    "<td>" + badge(r.host_up ? "up" : "down", r.host_up ? "ok" : "bad") + "</td>" +
    "<td>" + (r.exporter === "none" ? '<span class="muted">none</span>' : badge(r.exporter, r.exporter === "running" ? "ok" : "bad")) + "</td>" +
    "<td data-field=health>" + healthCell(r) + "</td>" +
    "<td>" + runnerButtons(r, s) + "</td></tr>").join("");
}

function renderTargets(s) {
  $("targets").tBodies[0].innerHTML = s.targets.map((t) =>
    '<tr data-instance="' + esc(t.instance) + '" data-health="' + esc(t.health) + '"><td>' + esc(t.job) + "</td><td>" + esc(t.instance) +
    "</td><td>" + badge(t.health, t.health === "up" ? "ok" : t.health === "down" ? "bad" : "") + "</td><td>" +
    offset(t.last_scrape_seconds) + "</td><td>" + esc(t.last_error) + "</td></tr>").join("");
}

function renderAlerts(s) {
  $("alerts").tBodies[0].innerHTML = s.rules.map((r) => {
    const kind = r.state === "firing" ? "bad" : r.state === "pending" ? "warn" : "ok";
    const alerts = r.alerts.map((a) => esc(a.labels.instance || a.labels.hostname || "") + " " + a.state + " since " +
        offset(a.state === "firing" ? a.fired_seconds : a.active_seconds)).join("<br>");
    return '<tr data-rule="' + esc(r.name) + '" data-state="' + esc(r.state) + '"><td>' + esc(r.name) + "</td><td>" + badge(r.state, kind) +
        "</td><td>" + alerts + "</td></tr>";
  }).join("");
  const n = s.notifications;
  $("notifications").textContent = !s.alertmanager ? "no Alertmanager in this world" :
      n.length === 0 ? "Alertmanager: no notification yet" :
      "Alertmanager: " + n.length + " notification(s); last " + offset(n[n.length - 1].at_seconds) + " (" + n[n.length - 1].firing.join(", ") + ")";
}

function renderDeploys(s) {
  $("production").textContent = s.production.version + (s.production.partial ? " (partial!)" : "");
  $("deploys").tBodies[0].innerHTML = s.deploys.map((d) => {
    const last = d.decisions.length ? d.decisions[d.decisions.length - 1] : null;
    const kind = d.outcome === "deployed" ? "ok" : d.outcome === "pending" || d.outcome === "scheduled" ? "info" : "bad";
    return '<tr data-version="' + esc(d.version) + '" data-outcome="' + esc(d.outcome) + '" data-runner="' + esc(d.runner) + '"><td>' +
        d.index + "</td><td>" + esc(d.version) + "</td><td>" + esc(d.source) + "</td><td>" + badge(d.outcome, kind) + "</td><td>" +
        esc(d.runner) + "</td><td>" + d.attempts + "</td><td>" + (last ? esc(last.kind + ": " + last.message) : "") + "</td></tr>";
  }).join("");
}

function renderRuns(s) {
  $("runs").tBodies[0].innerHTML = s.runs.map((r) => {
    const jobs = r.jobs.map((j) => esc(j.name) + " " + badge(j.conclusion || j.status, j.conclusion === "success" ? "ok" :
        j.conclusion ? "bad" : "info") + (j.runner ? " on " + esc(j.runner) : "")).join("<br>");
    const cancel = r.status === "completed" ? "" :
        '<button class="small" type="button" data-action="cancel-run" data-run="' + r.id + '">cancel</button>';
    return "<tr><td>" + r.id + '<div class="muted">' + esc(r.ref) + " · " + offset(r.created_seconds) + "</div></td><td>" +
        badge(r.conclusion || r.status, r.conclusion === "success" ? "ok" : r.conclusion ? "bad" : "info") + "</td><td>" + jobs +
        "</td><td>" + cancel + "</td></tr>";
  }).join("");
}

function renderFaults(s) {
  $("faults").tBodies[0].innerHTML = s.faults.map((f) => {
    const open = (f.end_seconds === null || f.end_seconds === undefined) && f.start_seconds <= s.clock.t_seconds;
    return '<tr data-fault="' + f.id + '"><td>' + f.id + "</td><td>" + esc(f.kind) + "</td><td>" + esc(f.what) + "</td><td>" + esc(f.source) +
        "</td><td>" + offset(f.start_seconds) + "</td><td>" + offset(f.end_seconds) + "</td><td>" +
        (open && f.source !== "proxy" ? '<button class="small" type="button" data-action="end-fault" data-fault="' + f.id + '">end</button>' : "") +
        "</td></tr>";
  }).join("");
}

function renderCheckpoints(s) {
  $("plan-panel").hidden = s.checkpoints.length === 0;
  $("checkpoints").tBodies[0].innerHTML = s.checkpoints.map((c) =>
    '<tr data-checkpoint="' + esc(c.name) + '" data-state="' + esc(c.state) + '"><td><b>' + esc(c.name) + "</b>: " + esc(c.text) +
    "</td><td>" + badge(c.state, c.state === "passed" ? "ok" : c.state === "failed" ? "bad" : "info") + "</td><td>" +
    offset(c.met_seconds) + "</td><td>" + esc(c.detail) + "</td></tr>").join("");
}

function addTimeline(rows) {
  if (!rows.length) return;
  const box = $("timeline");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 30;
  for (const e of rows) {
    const div = document.createElement("div");
    div.className = "ev cat-" + e.category;
    div.dataset.t = e.t_seconds;
    div.innerHTML = '<span class="t">' + offset(e.t_seconds) + "</span><span>" + esc(e.category) + "</span><span>" + esc(e.name) +
        "</span><span>" + esc(e.detail) + "</span>";
    // In time order: decisions arrive with the state, maybe after later trace events.
    let after = box.lastElementChild;
    while (after && Number(after.dataset.t) > e.t_seconds) after = after.previousElementSibling;
    box.insertBefore(div, after ? after.nextSibling : box.firstChild);
  }
  while (box.childElementCount > timelineLimit) box.removeChild(box.firstChild);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function onState(event) {
  const msg = JSON.parse(event.data);
  state = msg.state;
  if (msg.reset) {  // a new stream (first or reconnected) sends the whole trace again
    $("timeline").textContent = "";
    seenDecisions.clear();
  }
  renderClock(state);
  renderRunners(state);
  renderTargets(state);
  renderAlerts(state);
  renderDeploys(state);
  renderRuns(state);
  renderFaults(state);
  renderCheckpoints(state);
  const rows = msg.trace.slice();
  for (const d of state.deploys) {
    d.decisions.forEach((dec, i) => {
      const key = d.index + "." + i;
      if (seenDecisions.has(key)) return;
      seenDecisions.add(key);
      rows.push({t_seconds: dec.t_seconds, category: "decision", name: dec.kind, detail: "[" + d.version + "] " + dec.message});
    });
  }
  addTimeline(rows);
  $("link").textContent = "live";
  $("link").className = "badge ok";
}

// ---- actions ----------------------------------------------------------------------

function runnerFault(action, name) {
  const r = state.runners.find((x) => x.name === name);
  switch (action) {
    case "partition-exporter":
      return {kind: "partition", from: state.prometheus_host, to: r.host, port: r.exporter_port, mode: "drop"};
    case "exporter-stop": return {kind: "exporter_stop", runner: name};
    case "service-stop": return {kind: "service_stop", runner: name};
    case "service-crash": return {kind: "service_crash", runner: name};
    case "host-down": return {kind: "host_down", runner: name};
    case "cpu-load": return {kind: "resources", runner: name, cpu_percent: 97};
  }
  return null;
}

document.addEventListener("click", (ev) => {
  const target = ev.target.closest("button[data-action]");
  if (!target || !state) return;
  const action = target.dataset.action;
  if (action === "end-fault") api("DELETE", "/api/faults/" + target.dataset.fault);
  else if (action === "cancel-run") api("POST", "/api/runs/" + target.dataset.run + "/cancel");
  else if (action === "github") injectFault(JSON.parse(target.dataset.fault));
  else {
    const fault = runnerFault(action, target.dataset.runner);
    if (fault) injectFault(fault);
  }
});

$("pause").addEventListener("click", () => api("POST", "/api/clock", {paused: true}));
$("resume").addEventListener("click", () => api("POST", "/api/clock", {paused: false}));
$("speed").addEventListener("input", () => { speedEdited = true; });
$("set-speed").addEventListener("click", () => {
  const speed = Number($("speed").value);
  speedEdited = false;
  api("POST", "/api/clock", {speed});
});
$("deploy-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  api("POST", "/api/deploys", {version: $("deploy-version").value});
});
$("fault-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  let fault;
  try { fault = JSON.parse($("fault-json").value); } catch (e) { showError("not JSON: " + e.message); return; }
  injectFault(fault);
});

const events = new EventSource("/api/events");
events.addEventListener("state", onState);
events.addEventListener("end", () => {
  events.close();
  $("link").textContent = "run over";
  $("link").className = "badge";
});
events.onerror = () => {
  if (events.readyState === EventSource.CLOSED) return;
  $("link").textContent = "reconnecting";
  $("link").className = "badge warn";
};
