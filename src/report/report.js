"use strict";
// ecsim's report.html: builds the tables, charts (uPlot) and event log from the JSON the page
// carries. No network, no other library.
(function () {
  const data = JSON.parse(document.getElementById("ecsim-data").textContent);
  // Okabe-Ito, a colour-blind-safe palette.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 3 });
    return String(v);
  }

  // Summary figures.
  const S = data.summary;
  const FIGURES = [
    ["cost_usd", "Cost (USD)"], ["cost_ec2_usd", "EC2 (USD)"], ["cost_fargate_usd", "Fargate (USD)"],
    ["cost_idle_ec2_usd", "Idle EC2 (USD)"], ["tasks_placed", "Tasks placed"], ["task_wait_p95_s", "Wait p95 (s)"],
    ["requests_over_capacity_pct", "Requests over capacity (%)"], ["instances_launched", "Instances launched"],
    ["instance_hours", "Instance-hours"], ["idle_instance_hours", "Idle instance-hours"],
    ["tasks_lost", "Tasks lost"], ["scaling_actions", "Scaling actions"], ["duration_s", "Duration (s)"],
  ];
  const figures = document.querySelector("#summary .figures");
  for (const [key, label] of FIGURES) {
    if (!(key in S)) continue;
    const tile = el("div", null, "figure");
    tile.appendChild(el("span", fmt(S[key]), "value"));
    tile.appendChild(el("span", label, "label"));
    tile.dataset.figure = key;
    figures.appendChild(tile);
  }

  function table(target, columns, rows) {
    target.textContent = "";
    const head = el("tr");
    for (const c of columns) head.appendChild(el("th", c));
    const thead = el("thead");
    thead.appendChild(head);
    target.appendChild(thead);
    const body = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      for (const v of r) tr.appendChild(el("td", fmt(v)));
      body.appendChild(tr);
    }
    target.appendChild(body);
  }

  table(document.querySelector("#workloads table"), data.workloads.columns, data.workloads.rows);

  // Charts: one per family of metrics columns; a family with no column is left out.
  const cols = data.metrics.columns;
  const rows = data.metrics.rows;
  const time = cols.indexOf("time_s");
  const has = (suffix) => (c) => c.endsWith(suffix);
  const CHARTS = [
    { title: "Tasks", unit: "tasks", pick: (c) => c === "tasks_waiting" || c === "fargate_tasks" || /^service\..*\.(running|desired)$/.test(c) },
    { title: "Healthy tasks and targets", unit: "tasks", pick: (c) => /^service\..*\.(healthy|stopping)$/.test(c) || /^target_group\..*\.(healthy|unhealthy|initial|draining)$/.test(c) },
    { title: "Instances", unit: "instances", pick: (c) => c === "instances" || /^group\..*\.(instances|instances_in_use)$/.test(c) },
    { title: "Reserved CPU and memory", unit: "%", pick: (c) => c === "cpu_reserved_pct" || c === "memory_reserved_pct" || c === "gpu_reserved_pct" },
    { title: "Service CPU utilization", unit: "%", pick: has(".cpu_utilization_pct") },
    { title: "Requests per interval", unit: "requests", pick: (c) => /^service\..*\.(requests|requests_over_capacity)$/.test(c) },
    { title: "Request latency", unit: "ms", pick: (c) => /^service\..*\.latency_p(50|95)_ms$/.test(c) },
    { title: "CapacityProviderReservation and its target", unit: "%", pick: (c) => /^provider\..*\.(capacity_provider_reservation|target_capacity)$/.test(c) },
    { title: "Cost per interval", unit: "USD", pick: (c) => c === "cost_usd_interval" || c.endsWith(".cost_usd_interval") || c.endsWith(".cost_idle_usd_interval") },
    { title: "Cost so far: EC2 and Fargate", unit: "USD", pick: (c) => c === "cost_usd_total" || c === "cost_ec2_usd_total" || c === "cost_fargate_usd_total" },
  ];
  // Time: h:mm since the start, or the wall clock (UTC) when the scenario set a start time.
  const start = S.start_time ? Date.parse(S.start_time) : null;
  const pad = (n) => String(n).padStart(2, "0");
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const runSeconds = rows.length ? rows[rows.length - 1][cols.indexOf("time_s")] : 0;
  const clock = (s) => {
    const d = new Date(start + s * 1000);
    const hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return runSeconds > 86400 ? DAYS[d.getUTCDay()] + " " + pad(d.getUTCDate()) + " " + hm : hm;
  };
  const timeLabel = start === null ? (s) => hhmm(s) : clock;
  const timeTitle = start === null ? "time since start (h:mm)" : "time (UTC; the run starts " + S.start_time + ")";
  // Ticks at whole minutes, hours and days rather than uPlot's decimal steps of seconds.
  const TIME_STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];
  const hhmm = (s) => { const m = Math.floor(s / 60); return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0"); };
  const chartBox = document.querySelector("#charts .charts");
  const charts = [];
  for (const chart of CHARTS) {
    const picked = cols.map((c, i) => [c, i]).filter(([c, i]) => i !== time && chart.pick(c));
    if (picked.length === 0 || time < 0) continue;
    const box = el("div", null, "chart");
    box.appendChild(el("h3", chart.title));
    chartBox.appendChild(box);
    const series = [{ label: start === null ? "time (h:mm)" : "time (UTC)", value: (u, v) => (v === null ? "" : timeLabel(v)) }];
    picked.forEach(([c], k) => series.push({ label: c, stroke: PALETTE[k % PALETTE.length], width: 1.5, spanGaps: false }));
    const values = [rows.map((r) => r[time])].concat(picked.map(([, i]) => rows.map((r) => r[i])));
    const width = Math.max(320, Math.min(1100, chartBox.clientWidth || 1000));
    new uPlot({
      width, height: 260, series,
      scales: { x: { time: false } },
      axes: [
        { label: timeTitle, incrs: TIME_STEPS, values: (u, ticks) => ticks.map(timeLabel), space: start !== null && runSeconds > 86400 ? 90 : 50 },
        { label: chart.unit },
      ],
      cursor: { drag: { x: true, y: false } },
    }, values, box);
    box.dataset.series = String(picked.length);
    charts.push([box, picked.map((_, k) => PALETTE[k % PALETTE.length])]);
  }
  // Each chart says how many of its canvas pixels carry a series colour (the browser test
  // reads it: a chart whose lines did not draw has none). uPlot draws after this script, so
  // this runs on the next task.
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const countDrawn = () => charts.forEach(([box, colours]) => {
    const canvas = box.querySelector("canvas");
    if (!canvas) return;
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const want = colours.map(rgb);
    let drawn = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 128) continue;
      if (want.some(([r, g, b]) => Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 40)) drawn++;
    }
    box.dataset.drawnPixels = String(drawn);
  });
  if (!chartBox.children.length) chartBox.appendChild(el("p", "This run wrote no metrics rows to chart."));

  // The event log, filterable.
  const ev = data.events;
  const evTable = document.querySelector("#events table");
  const count = document.querySelector("#events .count");
  const kindSel = document.getElementById("f-kind");
  const ownerSel = document.getElementById("f-owner");
  const text = document.getElementById("f-text");
  const ci = (n) => ev.columns.indexOf(n);
  const [kindC, svcC, jobC] = [ci("event"), ci("service"), ci("job")];
  const distinct = (f) => Array.from(new Set(ev.rows.map(f).filter((x) => x))).sort();
  for (const k of distinct((r) => r[kindC])) kindSel.appendChild(Object.assign(el("option", k), { value: k }));
  for (const o of distinct((r) => (r[svcC] ? "service " + r[svcC] : r[jobC] ? "job " + r[jobC] : ""))) {
    ownerSel.appendChild(Object.assign(el("option", o), { value: o }));
  }
  // Explanations (explanations.json): each event a kept explanation belongs to gets a "why?"
  // button that shows it below the log, in the words `ecsim explain` prints.
  const EXPLAINED = {
    TASK_PLACED: ["placement", ci("task_id")],
    TASK_PLACEMENT_FAILED: ["placement", ci("task_id")],
    SERVICE_TASK_PLACEMENT_FAILURE: ["placement", ci("task_id")],
    SERVICE_SCALING: ["service", svcC],
    CAPACITY_PROVIDER_SCALE_OUT: ["capacity_provider", ci("capacity_provider")],
    CAPACITY_PROVIDER_SCALE_IN: ["capacity_provider", ci("capacity_provider")],
  };
  const ms = (s) => Math.round(Number(s) * 1000);
  const kept = new Map();
  (data.explanations.explanations || []).forEach((e, k) => kept.set(e.kind + "|" + e.subject + "|" + ms(e.time_s), k));
  const timeC = ci("time_s");
  const explanationOf = (r) => {
    const how = EXPLAINED[r[kindC]];
    if (!how || how[1] < 0 || !r[how[1]]) return undefined;
    return kept.get(how[0] + "|" + r[how[1]] + "|" + ms(r[timeC]));
  };
  const panel = document.querySelector("#events .explanation");
  function showExplanation(k) {
    const e = data.explanations.explanations[k];
    panel.textContent = "";
    panel.hidden = false;
    panel.appendChild(el("h3", "Why: " + e.kind.replace("_", " ") + " " + e.subject + " at t = " + fmt(e.time_s) + " s"));
    panel.appendChild(el("pre", e.text));
    panel.appendChild(el("p", "The same, from the scenario: ecsim explain SCENARIO " + e.command, "hint"));
    panel.dataset.shown = String(k);
  }
  function eventTable(rows) {
    table(evTable, ["why"].concat(ev.columns), []);
    const body = evTable.querySelector("tbody");
    for (const r of rows) {
      const tr = el("tr");
      const why = el("td");
      const k = explanationOf(r);
      if (k !== undefined) {
        const b = el("button", "why?", "why");
        b.type = "button";
        b.addEventListener("click", () => { showExplanation(k); panel.scrollIntoView({ block: "nearest" }); });
        why.appendChild(b);
      }
      tr.appendChild(why);
      for (const v of r) tr.appendChild(el("td", fmt(v)));
      body.appendChild(tr);
    }
  }
  const SHOWN = 500;
  function showEvents() {
    const k = kindSel.value, o = ownerSel.value, t = text.value.toLowerCase();
    const owner = (r) => (r[svcC] ? "service " + r[svcC] : r[jobC] ? "job " + r[jobC] : "");
    const matching = ev.rows.filter((r) => (!k || r[kindC] === k) && (!o || owner(r) === o) && (!t || r.join(" ").toLowerCase().includes(t)));
    eventTable(matching.slice(0, SHOWN));
    let note = matching.length + " matching event(s)";
    if (matching.length > SHOWN) note += ", the first " + SHOWN + " shown";
    if (ev.total > ev.rows.length) note += "; the page carries the first " + ev.rows.length + " of the run's " + ev.total + " events (events.csv has them all)";
    if (!ev.columns.length) note = "This run wrote no events.csv.";
    count.textContent = note;
  }
  // Filters can be given in the address (report.html#kind=TASK_STOPPED&owner=service%20web),
  // and the address follows them, so a filtered view can be linked to.
  const params = new URLSearchParams(location.hash.slice(1));
  const setIf = (sel, v) => { if (v && Array.from(sel.options).some((o) => o.value === v)) sel.value = v; };
  setIf(kindSel, params.get("kind"));
  setIf(ownerSel, params.get("owner"));
  text.value = params.get("text") || "";
  function filtersChanged() {
    const p = new URLSearchParams();
    if (kindSel.value) p.set("kind", kindSel.value);
    if (ownerSel.value) p.set("owner", ownerSel.value);
    if (text.value) p.set("text", text.value);
    history.replaceState(null, "", p.toString() ? "#" + p.toString() : location.pathname);
    showEvents();
  }
  for (const c of [kindSel, ownerSel]) c.addEventListener("change", filtersChanged);
  text.addEventListener("input", filtersChanged);
  showEvents();
  // report.html#explain=3 opens the fourth kept explanation.
  const asked = Number(params.get("explain"));
  if (params.has("explain") && Number.isInteger(asked) && data.explanations.explanations[asked]) {
    showExplanation(asked);
    setTimeout(() => document.getElementById("events").scrollIntoView(), 0);
  }
  const notKept = Object.entries(data.explanations.not_kept || {}).map(([kind, n]) => n + " " + kind.replace("_", " ") + " decision(s)");
  document.querySelector("#events .explained").textContent = data.explanations.explanations
    ? data.explanations.explanations.length + " decision(s) explained (each task group's first placement and first failed one, every change of a desired count): press \"why?\" beside the event." + (notKept.length ? " Not kept, beyond the limit: " + notKept.join(", ") + "; ecsim explain explains them." : "")
    : "This run kept no explanations (it wrote no events); ecsim explain SCENARIO --task ID explains any placement.";
  setTimeout(() => {
    countDrawn();
    document.body.dataset.ready = "true";
  }, 0);
})();
