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
    { title: "CapacityProviderReservation", unit: "%", pick: has(".capacity_provider_reservation") },
    { title: "Cost per interval", unit: "USD", pick: (c) => c === "cost_usd_interval" || c.endsWith(".cost_usd_interval") || c.endsWith(".cost_idle_usd_interval") },
  ];
  const hhmm = (s) => { const m = Math.floor(s / 60); return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0"); };
  const chartBox = document.querySelector("#charts .charts");
  for (const chart of CHARTS) {
    const picked = cols.map((c, i) => [c, i]).filter(([c, i]) => i !== time && chart.pick(c));
    if (picked.length === 0 || time < 0) continue;
    const box = el("div", null, "chart");
    box.appendChild(el("h3", chart.title));
    chartBox.appendChild(box);
    const series = [{ label: "time (h:mm)", value: (u, v) => (v === null ? "" : hhmm(v)) }];
    picked.forEach(([c], k) => series.push({ label: c, stroke: PALETTE[k % PALETTE.length], width: 1.5, spanGaps: false }));
    const values = [rows.map((r) => r[time])].concat(picked.map(([, i]) => rows.map((r) => r[i])));
    const width = Math.max(320, Math.min(1100, chartBox.clientWidth || 1000));
    new uPlot({
      width, height: 260, series,
      scales: { x: { time: false } },
      axes: [
        { label: "time since start (h:mm)", values: (u, ticks) => ticks.map(hhmm) },
        { label: chart.unit },
      ],
      cursor: { drag: { x: true, y: false } },
    }, values, box);
  }
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
  const SHOWN = 500;
  function showEvents() {
    const k = kindSel.value, o = ownerSel.value, t = text.value.toLowerCase();
    const owner = (r) => (r[svcC] ? "service " + r[svcC] : r[jobC] ? "job " + r[jobC] : "");
    const matching = ev.rows.filter((r) => (!k || r[kindC] === k) && (!o || owner(r) === o) && (!t || r.join(" ").toLowerCase().includes(t)));
    table(evTable, ev.columns, matching.slice(0, SHOWN));
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
  document.body.dataset.ready = "true";
})();
