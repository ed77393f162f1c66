// paylog's log explorer: plain JavaScript over the JSON API, no build step.
// The state (view, query, filters, time range) lives in the URL so that a
// search can be shared.
"use strict";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const COLORS = { DEBUG: "#6e7781", INFO: "#0969da", WARNING: "#9a6700", ERROR: "#cf222e", CRITICAL: "#8250df" };
const RANGES = { "15m": 15 * 60e3, "1h": 3600e3, "6h": 6 * 3600e3, "24h": 24 * 3600e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };
const PAGE = 100;
const MAX_SPARKLINES = 15;

const $ = (id) => document.getElementById(id);
let nextCursor = null;
let matchCount = ""; // the summary's count of the current search
let tailAbort = null;

// ---- state <-> URL and form ----

function readForm() {
  const s = {
    view: $("view-patterns").hidden ? "search" : "patterns",
    q: $("q").value.trim(),
    levels: [...document.querySelectorAll("input[name=level]:checked")].map((e) => e.value),
    service: $("service").value.trim(),
    source: $("source").value.trim(),
    range: $("range").value,
  };
  if (s.range === "custom") {
    s.from = $("from").value;
    s.to = $("to").value;
  }
  return s;
}

function writeForm(s) {
  $("q").value = s.q || "";
  document.querySelectorAll("input[name=level]").forEach((e) => (e.checked = (s.levels || []).includes(e.value)));
  $("service").value = s.service || "";
  $("source").value = s.source || "";
  $("range").value = s.range || "1h";
  $("custom").hidden = $("range").value !== "custom";
  $("from").value = s.from || "";
  $("to").value = s.to || "";
  showView(s.view || "search");
}

function stateFromURL() {
  const p = new URLSearchParams(location.search);
  return {
    view: p.get("view") || "search", q: p.get("q") || "", levels: (p.get("level") || "").split(",").filter(Boolean),
    service: p.get("service") || "", source: p.get("source") || "", range: p.get("range") || "1h",
    from: p.get("from") || "", to: p.get("to") || "",
  };
}

function saveURL(s) {
  const p = new URLSearchParams();
  if (s.view !== "search") p.set("view", s.view);
  if (s.q) p.set("q", s.q);
  if (s.levels.length) p.set("level", s.levels.join(","));
  if (s.service) p.set("service", s.service);
  if (s.source) p.set("source", s.source);
  if (s.range !== "1h") p.set("range", s.range);
  if (s.range === "custom") { p.set("from", s.from || ""); p.set("to", s.to || ""); }
  const url = location.pathname + (p.toString() ? "?" + p : "");
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
}

// timeBounds returns [start, end] as ISO strings (UTC) for the state's range.
function timeBounds(s) {
  if (s.range === "custom") {
    const from = s.from ? new Date(s.from + "Z") : new Date(Date.now() - 3600e3);
    const to = s.to ? new Date(s.to + "Z") : new Date();
    return [from.toISOString(), to.toISOString()];
  }
  const end = new Date();
  return [new Date(end - (RANGES[s.range] || RANGES["1h"])).toISOString(), end.toISOString()];
}

function filterParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("query", s.q);
  if (s.levels.length) p.set("level", s.levels.join(","));
  if (s.service) p.set("service", s.service);
  if (s.source) p.set("source", s.source);
  const [start, end] = timeBounds(s);
  p.set("start_time", start);
  p.set("end_time", end);
  return p;
}

// ---- API ----

// With tenant_auth the token travels in the paylog_token cookie (set by the
// sign-in page the server shows, or by the Token box), so that page loads and
// API calls alike carry it.
function headers() {
  return { Accept: "application/json" };
}

function setToken(token) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "paylog_token=" + encodeURIComponent(token) + "; path=/; SameSite=Strict" + secure;
}

async function api(path) {
  const resp = await fetch(path, { headers: headers() });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    if (resp.status === 401) document.querySelector("details.token").open = true;
    throw new Error((body.field ? body.field + ": " : "") + (body.message || resp.statusText));
  }
  return body;
}

// ---- search view ----

async function runSearch(append) {
  const s = readForm();
  const summary = $("summary");
  summary.classList.remove("error");
  const p = filterParams(s);
  p.set("limit", PAGE);
  if (append && nextCursor) p.set("cursor", nextCursor);
  try {
    const [result, hist] = await Promise.all([
      api("/logs/search?" + p),
      append ? null : api("/logs/histogram?" + filterParams(s) + "&buckets=60"),
    ]);
    if (!append) {
      $("rows").replaceChildren();
      drawHistogram(hist, s);
    }
    result.logs.forEach((r) => $("rows").append(...recordRows(r)));
    nextCursor = result.next_cursor;
    $("more").hidden = !nextCursor;
    if (!append) {
      // The search counts up to 10,000; the histogram of the same filters
      // and range counts every match.
      const exact = result.total_count_exact ? result.total_count
        : hist && hist.total_count >= result.total_count ? hist.total_count : null;
      matchCount = exact === null ? `${result.total_count.toLocaleString("en")}+` : exact.toLocaleString("en");
    }
    const shown = $("rows").querySelectorAll("tr.record").length;
    summary.textContent = `${matchCount} logs match · showing ${shown} · ${result.took_ms.toFixed(1)} ms`;
  } catch (e) {
    summary.textContent = "Search failed: " + e.message;
    summary.classList.add("error");
  }
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function recordRows(r) {
  const tr = document.createElement("tr");
  tr.className = "record";
  // The time is the row's disclosure button: keyboard users tab to it,
  // mouse users may click anywhere on the row.
  const expand = document.createElement("button");
  expand.type = "button";
  expand.className = "expand";
  expand.textContent = r.timestamp.replace("T", " ").slice(0, 23);
  expand.setAttribute("aria-expanded", "false");
  expand.setAttribute("aria-label", "Show all fields of the log at " + expand.textContent);
  const time = document.createElement("td");
  time.className = "time";
  time.append(expand);
  tr.append(time, cell(r.level, "lvl lvl-" + r.level), cell(r.service || "—"), cell(r.message, "msg"));
  const details = document.createElement("tr");
  details.className = "details";
  details.hidden = true;
  const td = document.createElement("td");
  td.colSpan = 4;
  td.append(fieldList(r));
  details.append(td);
  tr.addEventListener("click", () => {
    details.hidden = !details.hidden;
    expand.setAttribute("aria-expanded", String(!details.hidden));
  });
  return [tr, details];
}

function fieldList(r) {
  const dl = document.createElement("dl");
  dl.className = "fields";
  const add = (name, value, copyable) => {
    if (value === null || value === undefined || value === "") return;
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.dataset.field = name;
    if (typeof value === "object") {
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(value, null, 2);
      dd.append(pre);
    } else {
      const span = document.createElement("span");
      span.textContent = value;
      dd.append(span);
    }
    if (copyable) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "Copy";
      b.setAttribute("aria-label", "Copy " + name);
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        navigator.clipboard.writeText(typeof value === "object" ? JSON.stringify(value) : String(value))
          .then(() => (b.textContent = "Copied"), () => (b.textContent = "Copy failed"));
      });
      dd.append(b);
    }
    dl.append(dt, dd);
  };
  add("timestamp", r.timestamp, true);
  add("level", r.level);
  add("message", r.message, true);
  add("service", r.service);
  add("source", r.source);
  add("trace_id", r.trace_id, true);
  add("span_id", r.span_id, true);
  add("correlation_id", r.correlation_id, true);
  add("pattern_id", r.pattern_id, true);
  add("pattern", r.pattern);
  if (r.metadata && Object.keys(r.metadata).length) add("metadata", r.metadata, true);
  add("id", r.id, true);
  return dl;
}

// drawHistogram draws stacked bars by level; a click on a bar zooms into it.
function drawHistogram(h, s) {
  const svg = $("histogram");
  svg.replaceChildren();
  const width = svg.clientWidth || 800, height = 120, n = h.buckets.length;
  svg.setAttribute("height", height + 16);
  const max = Math.max(1, ...h.buckets.map((b) => b.total));
  const bw = width / Math.max(1, n);
  const NS = "http://www.w3.org/2000/svg";
  h.buckets.forEach((b, i) => {
    let y = height;
    const g = document.createElementNS(NS, "g");
    for (const level of LEVELS) {
      const c = b.counts[level] || 0;
      if (!c) continue;
      const bh = (c / max) * (height - 4);
      y -= bh;
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", i * bw + 0.5);
      rect.setAttribute("y", y);
      rect.setAttribute("width", Math.max(1, bw - 1));
      rect.setAttribute("height", bh);
      rect.setAttribute("fill", COLORS[level]);
      g.append(rect);
    }
    // One transparent target per bucket: the click and keyboard zoom.
    const hit = document.createElementNS(NS, "rect");
    hit.setAttribute("class", "bar");
    hit.setAttribute("x", i * bw);
    hit.setAttribute("y", 0);
    hit.setAttribute("width", bw);
    hit.setAttribute("height", height);
    hit.setAttribute("fill", "transparent");
    hit.setAttribute("tabindex", b.total ? "0" : "-1");
    const title = document.createElementNS(NS, "title");
    title.textContent = `${b.time}: ${b.total} logs` + LEVELS.filter((l) => b.counts[l]).map((l) => `, ${l} ${b.counts[l]}`).join("");
    hit.append(title);
    const zoom = () => {
      const from = new Date(b.time), to = new Date(from.getTime() + h.interval_ms);
      $("range").value = "custom";
      $("custom").hidden = false;
      $("from").value = from.toISOString().slice(0, 19);
      $("to").value = to.toISOString().slice(0, 19);
      submit();
    };
    hit.addEventListener("click", zoom);
    hit.addEventListener("keydown", (e) => { if (e.key === "Enter") zoom(); });
    g.append(hit);
    svg.append(g);
  });
  // Axis: the range's ends and the tallest bar's count.
  const label = (x, y, text, anchor) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", y);
    t.setAttribute("font-size", "11");
    t.setAttribute("fill", "#57606a");
    t.setAttribute("text-anchor", anchor);
    t.textContent = text;
    svg.append(t);
  };
  const fmt = (iso) => iso.replace("T", " ").slice(0, 16) + " UTC";
  label(2, height + 13, fmt(h.start), "start");
  label(width - 2, height + 13, fmt(h.end), "end");
  label(2, 11, `${max.toLocaleString("en")} per ${h.interval_ms >= 3600e3 ? h.interval_ms / 3600e3 + " h" : h.interval_ms >= 60e3 ? h.interval_ms / 60e3 + " min" : h.interval_ms / 1e3 + " s"}`, "start");
  $("legend").replaceChildren(...LEVELS.map((l) => {
    const span = document.createElement("span");
    const i = document.createElement("i");
    i.style.background = COLORS[l];
    span.append(i, l);
    return span;
  }));
  svg.dataset.buckets = n;
}

// ---- live tail ----

async function toggleTail() {
  if (tailAbort) { stopTail(); return; }
  const s = readForm();
  const p = filterParams(s);
  p.delete("start_time");
  p.delete("end_time");
  tailAbort = new AbortController();
  $("tail").setAttribute("aria-pressed", "true");
  // "Waiting" only once the server opened the stream: it follows logs from
  // that moment, so one sent before would never show.
  $("summary").textContent = "Live tail: connecting…";
  try {
    const resp = await fetch("/logs/tail?" + p, { headers: { ...headers(), Accept: "text/event-stream" }, signal: tailAbort.signal });
    if (!resp.ok) throw new Error((await resp.json().catch(() => ({}))).message || resp.statusText);
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buf = "", seen = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (event.includes("event: open")) $("summary").textContent = "Live tail: waiting for new logs…";
        if (!data || !event.includes("event: log")) continue;
        const rows = recordRows(JSON.parse(data));
        $("rows").prepend(...rows);
        seen++;
        $("summary").textContent = `Live tail: ${seen} new logs`;
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") $("summary").textContent = "Live tail stopped: " + e.message;
  }
  stopTail();
}

function stopTail() {
  if (tailAbort) tailAbort.abort();
  tailAbort = null;
  $("tail").setAttribute("aria-pressed", "false");
}

// ---- patterns view ----

async function runPatterns() {
  const s = readForm();
  const summary = $("patterns-summary");
  summary.classList.remove("error");
  const hours = Math.max(1, Math.ceil((RANGES[s.range] || 24 * 3600e3) / 3600e3));
  const p = new URLSearchParams({ hours: String(hours), limit: "50" });
  if (s.levels.length) p.set("level", s.levels.join(","));
  if (s.service) p.set("service", s.service);
  if (s.q) p.set("query", s.q);
  try {
    const patterns = await api("/logs/patterns?" + p);
    const body = $("pattern-rows");
    body.replaceChildren();
    const sparks = [];
    summary.textContent = `${patterns.length} patterns over the last ${hours} h` + (s.levels.length ? "" : " (ERROR and CRITICAL)");
    for (const pt of patterns) {
      const tr = document.createElement("tr");
      tr.className = "pattern";
      const link = document.createElement("button");
      link.type = "button";
      link.className = "pattern-link";
      link.textContent = pt.pattern;
      link.title = "Search this pattern's logs";
      link.addEventListener("click", () => {
        stopTail();
        writeForm({ ...s, view: "search", q: "pattern_id:" + pt.pattern_id });
        submit();
      });
      const patternCell = document.createElement("td");
      patternCell.append(link);
      const spark = document.createElement("td");
      tr.append(cell(pt.count.toLocaleString("en")), patternCell, cell(pt.services.join(", ")), spark,
        cell(pt.last_seen.replace("T", " ").slice(0, 19)));
      body.append(tr);
      sparks.push([spark, pt.pattern_id]);
    }
    // One histogram query per sparkline: the top ones only, two at a time,
    // so that a large store is not asked fifty things at once.
    sparks.slice(MAX_SPARKLINES).forEach(([td]) => (td.textContent = ""));
    const queue = sparks.slice(0, MAX_SPARKLINES);
    const worker = async () => { for (let job; (job = queue.shift()); ) await sparkline(job[0], job[1], hours, s); };
    await Promise.all([worker(), worker()]);
  } catch (e) {
    summary.textContent = "Patterns failed: " + e.message;
    summary.classList.add("error");
  }
}

async function sparkline(td, id, hours, s) {
  const p = new URLSearchParams({ query: "pattern_id:" + id, start_time: `now-${hours}h`, buckets: "24" });
  if (s.levels.length) p.set("level", s.levels.join(","));
  try {
    const h = await api("/logs/histogram?" + p);
    const max = Math.max(1, ...h.buckets.map((b) => b.total));
    const pts = h.buckets.map((b, i) => `${(i / Math.max(1, h.buckets.length - 1)) * 120},${22 - (b.total / max) * 20}`).join(" ");
    td.innerHTML = `<svg class="spark" viewBox="0 0 120 24" role="img" aria-label="Occurrences over time"><polyline fill="none" stroke="#cf222e" stroke-width="1.5" points="${pts}"/></svg>`;
  } catch (e) {
    td.textContent = "—";
  }
}

// ---- wiring ----

function showView(view) {
  $("view-search").hidden = view !== "search";
  $("view-patterns").hidden = view !== "patterns";
  $("tab-search").setAttribute("aria-pressed", String(view === "search"));
  $("tab-patterns").setAttribute("aria-pressed", String(view === "patterns"));
}

function submit() {
  const s = readForm();
  saveURL(s);
  nextCursor = null;
  if (s.view === "patterns") runPatterns(); else runSearch(false);
}

$("filters").addEventListener("submit", (e) => { e.preventDefault(); stopTail(); submit(); });
$("range").addEventListener("change", () => {
  $("custom").hidden = $("range").value !== "custom";
  if ($("range").value !== "custom") submit();
});
document.querySelectorAll("input[name=level]").forEach((e) => e.addEventListener("change", submit));
$("more").addEventListener("click", () => runSearch(true));
$("tail").addEventListener("click", toggleTail);
$("help-toggle").addEventListener("click", () => {
  const help = $("help");
  help.hidden = !help.hidden;
  $("help-toggle").setAttribute("aria-expanded", String(!help.hidden));
});
$("tab-search").addEventListener("click", () => { showView("search"); submit(); });
$("tab-patterns").addEventListener("click", () => { stopTail(); showView("patterns"); submit(); });
$("token").addEventListener("change", () => { setToken($("token").value); $("token").value = ""; submit(); });
window.addEventListener("popstate", () => { writeForm(stateFromURL()); const s = readForm(); if (s.view === "patterns") runPatterns(); else runSearch(false); });

writeForm(stateFromURL());
if (readForm().view === "patterns") runPatterns(); else runSearch(false);
