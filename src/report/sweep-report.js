"use strict";
// ecsim's sweep-report.html: tables and SVG charts from the JSON the page carries.
(function () {
  const data = JSON.parse(document.getElementById("ecsim-data").textContent);
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  const NS = "http://www.w3.org/2000/svg";
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const sv = (tag, attrs, text) => { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (text != null) e.textContent = String(text); return e; };
  const fmt = (v) => (v == null || Number.isNaN(v) ? "" : Math.abs(v) >= 1000 ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : Number(v.toPrecision(4)).toString());
  const label = (c) => data.axes.map((a, i) => a + "=" + c.labels[i]).join(", ");

  // A scatter with error bars: points [{x, xlo, xhi, y, ylo, yhi, title, cls, colour}]; x may
  // be categorical (xcats: names, x an index).
  function scatter(box, points, xname, yname, xcats) {
    const W = 760, H = 380, L = 70, R = 20, T = 15, B = 50;
    const svg = sv("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img" });
    const finite = (v) => typeof v === "number" && Number.isFinite(v);
    const xs = xcats ? [-0.5, xcats.length - 0.5] : points.flatMap((p) => [p.xlo, p.xhi, p.x]).filter(finite);
    const ys = points.flatMap((p) => [p.ylo, p.yhi, p.y]).filter(finite);
    let [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    if (y0 === y1) { y1 = y0 + 1; }
    const px = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R), py = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
    svg.appendChild(sv("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }));
    svg.appendChild(sv("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }));
    for (let k = 0; k <= 4; k++) {
      const y = y0 + ((y1 - y0) * k) / 4;
      svg.appendChild(sv("text", { x: L - 6, y: py(y) + 4, "text-anchor": "end" }, fmt(y)));
      svg.appendChild(sv("line", { x1: L, y1: py(y), x2: W - R, y2: py(y), stroke: "#eee" }));
    }
    if (xcats) xcats.forEach((c, i) => svg.appendChild(sv("text", { x: px(i), y: H - B + 16, "text-anchor": "middle" }, c)));
    else for (let k = 0; k <= 4; k++) { const x = x0 + ((x1 - x0) * k) / 4; svg.appendChild(sv("text", { x: px(x), y: H - B + 16, "text-anchor": "middle" }, fmt(x))); }
    svg.appendChild(sv("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" }, xname));
    svg.appendChild(sv("text", { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, "text-anchor": "middle" }, yname));
    for (const p of points) {
      if (!finite(p.x) || !finite(p.y)) continue;
      const g = sv("g", { class: "point " + (p.cls || "") });
      const colour = p.colour || "#0072B2";
      if (finite(p.ylo) && finite(p.yhi)) g.appendChild(sv("line", { x1: px(p.x), x2: px(p.x), y1: py(Math.max(p.ylo, y0)), y2: py(p.yhi), stroke: colour }));
      if (finite(p.xlo) && finite(p.xhi)) g.appendChild(sv("line", { x1: px(p.xlo), x2: px(p.xhi), y1: py(p.y), y2: py(p.y), stroke: colour }));
      g.appendChild(sv("circle", { cx: px(p.x), cy: py(p.y), r: 5, fill: colour }));
      g.appendChild(sv("title", {}, p.title));
      svg.appendChild(g);
    }
    box.appendChild(svg);
    return svg;
  }

  // Cost against service level, the Pareto front in orange.
  const SL = data.service_level;
  const combos = data.combinations;
  const fig = (c, f) => c.figures[f] || {};
  const front = new Set(data.pareto);
  const pts = combos.map((c, i) => ({
    x: fig(c, SL).mean, xlo: fig(c, SL).low, xhi: fig(c, SL).high,
    y: fig(c, "cost_usd").mean, ylo: fig(c, "cost_usd").low, yhi: fig(c, "cost_usd").high,
    title: label(c) + ": cost " + fmt(fig(c, "cost_usd").mean) + " USD, " + SL + " " + fmt(fig(c, SL).mean),
    cls: front.has(i) ? "pareto" : "", colour: front.has(i) ? "#D55E00" : "#0072B2",
  }));
  scatter(document.querySelector("#tradeoff .chart"), pts, SL + " (mean)", "cost_usd (mean)");
  const frontList = document.querySelector("#tradeoff .front");
  for (const i of data.pareto) frontList.appendChild(el("li", pts[i].title));

  // Each key figure against each axis: a point per value with its interval, one colour per
  // combination of the other axes.
  const axisBox = document.querySelector("#axes .charts");
  const KEY = ["cost_usd", SL, "cost_idle_ec2_usd", "idle_instance_hours"].filter((f, i, a) => a.indexOf(f) === i && combos.length && f in combos[0].figures);
  data.axes.forEach((axis, ai) => {
    const cats = Array.from(new Set(combos.map((c) => c.labels[ai])));
    const others = (c) => data.axes.map((a, j) => (j === ai ? null : a + "=" + c.labels[j])).filter((x) => x).join(", ") || "all";
    const groups = Array.from(new Set(combos.map(others)));
    for (const f of KEY) {
      const box = el("div", null, "chart");
      box.appendChild(el("h3", f + " by " + axis));
      const width = 0.6 / Math.max(1, groups.length);
      const points = combos.map((c) => {
        const gi = groups.indexOf(others(c));
        const x = cats.indexOf(c.labels[ai]) - 0.3 + width * (gi + 0.5);
        return { x, y: fig(c, f).mean, ylo: fig(c, f).low, yhi: fig(c, f).high, colour: PALETTE[gi % PALETTE.length], title: label(c) + ": " + f + " " + fmt(fig(c, f).mean) };
      });
      scatter(box, points, axis, f + " (mean, 95 % interval)", cats);
      const legend = el("p", null, "hint");
      groups.forEach((g, gi) => { const s = el("span", "\u25cf " + g + "  "); s.style.color = PALETTE[gi % PALETTE.length]; legend.appendChild(s); });
      box.appendChild(legend);
      axisBox.appendChild(box);
    }
  });

  function table(target, columns, rows, sortable) {
    target.textContent = "";
    const tr = el("tr");
    columns.forEach((c, i) => {
      const th = el("th", c, sortable ? "sortable" : "");
      if (sortable) th.addEventListener("click", () => { location.hash = "sort=" + encodeURIComponent(c); sortRuns(); });
      tr.appendChild(th);
    });
    const thead = el("thead"); thead.appendChild(tr); target.appendChild(thead);
    const body = el("tbody");
    for (const r of rows) { const row = el("tr"); for (const v of r) row.appendChild(el("td", v)); body.appendChild(row); }
    target.appendChild(body);
  }

  // Combinations: labels, replications' means and intervals of the key figures.
  const cols = data.axes.concat(KEY.map((f) => f + " (mean [95 %])"));
  table(document.querySelector("#combinations table"), cols, combos.map((c) => c.labels.concat(KEY.map((f) => fmt(fig(c, f).mean) + " [" + fmt(fig(c, f).low) + ", " + fmt(fig(c, f).high) + "]"))));

  // Runs, sortable by any column (numbers numerically); #sort=NAME or #sort=-NAME.
  const runs = data.runs;
  function sortRuns() {
    const m = /sort=(-?)([^&]+)/.exec(location.hash);
    let rows = runs.rows.slice();
    if (m) {
      const k = runs.columns.indexOf(decodeURIComponent(m[2]));
      const sign = m[1] ? -1 : 1;
      if (k >= 0) rows.sort((a, b) => { const x = parseFloat(a[k]), y = parseFloat(b[k]); const d = Number.isNaN(x) || Number.isNaN(y) ? String(a[k]).localeCompare(String(b[k])) : x - y; return sign * d; });
    }
    table(document.querySelector("#runs table"), runs.columns, rows, true);
  }
  sortRuns();
  document.body.dataset.ready = "true";
})();
