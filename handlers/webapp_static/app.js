/* The dashboard (Telegram Mini App). No library and no CDN: Telegram's own script is not
   needed — the signed initData and the theme come in the URL fragment exactly as Telegram
   passes them (#tgWebAppData=…&tgWebAppThemeParams=…), and the few events the page sends
   (ready, expand, sendData) go through the same bridge telegram-web-app.js uses. Every word
   comes from the server (api/labels, from the .po); figures come formatted from the server,
   chart axes are formatted here with the vi-VN number format. */
"use strict";

const PAGE_ROWS = 100; // rows of a long table drawn at first (a province has ~1,000 communes)
const state = { initData: "", words: {}, me: null, tab: null, period: null, unit: null,
  sort: { key: "submitted_rate", dir: 1 }, shown: PAGE_ROWS };
const $ = (selector) => document.querySelector(selector);
const fmt = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

// ------------------------------------------------------------------ Telegram bridge
function fragment() {
  return new URLSearchParams(location.hash.slice(1));
}

function postEvent(type, data) {
  const payload = JSON.stringify(data || {});
  try {
    if (window.TelegramWebviewProxy) { window.TelegramWebviewProxy.postEvent(type, payload); return; }
    if (window.external && "notify" in window.external) {
      window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} })); return;
    }
    if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
    }
  } catch (error) { /* outside Telegram: nothing to tell */ }
}

const THEME = { bg_color: "--bg", text_color: "--text", hint_color: "--hint",
  link_color: "--link", button_color: "--button", button_text_color: "--button-text",
  secondary_bg_color: "--secondary-bg" };

function applyTheme(params) {
  if (!params) return;
  for (const [key, variable] of Object.entries(THEME)) {
    if (params[key]) document.documentElement.style.setProperty(variable, params[key]);
  }
}

function readTelegram() {
  const app = window.Telegram && window.Telegram.WebApp;
  const hash = fragment();
  state.initData = (app && app.initData) || hash.get("tgWebAppData") || "";
  let theme = app && app.themeParams;
  if (!theme || !Object.keys(theme).length) {
    try { theme = JSON.parse(hash.get("tgWebAppThemeParams") || "null"); } catch (e) { theme = null; }
  }
  applyTheme(theme);
  // Telegram calls this on theme changes (light ↔ dark) when its script is absent
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = window.Telegram.WebView || {
    receiveEvent(name, data) { if (name === "theme_changed" && data) applyTheme(data.theme_params); },
  };
  window.addEventListener("message", (event) => {
    try {
      const message = JSON.parse(event.data);
      if (message.eventType === "theme_changed") applyTheme(message.eventData.theme_params);
    } catch (e) { /* not Telegram's */ }
  });
  postEvent("web_app_ready");
  postEvent("web_app_expand");
}

// ------------------------------------------------------------------ the server
async function api(name, params) {
  const query = new URLSearchParams(params || {}).toString();
  const response = await fetch(`api/${name}${query ? "?" + query : ""}`,
    { headers: { "X-Telegram-Init-Data": state.initData } });
  if (!response.ok) {
    const error = new Error(String(response.status));
    error.status = response.status;
    throw error;
  }
  return response.json();
}

function downloadUrl(params) {
  return `api/xlsx?${new URLSearchParams({ ...params, auth: state.initData })}`;
}

// ------------------------------------------------------------------ small DOM helpers
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const w = (key) => state.words[key] || key;

function card(value, label) {
  return el("div", { class: "card" }, el("b", {}, value), el("span", {}, label));
}

function bandClass(band) {
  return "band-" + (band || "none");
}

function excelButton(params) {
  const url = downloadUrl(params);
  return el("a", { class: "button", href: url, download: "", id: "excel",
    onclick(event) {
      const app = window.Telegram && window.Telegram.WebApp;
      if (app && app.downloadFile) {  // Telegram 8.0+: its own download dialog
        event.preventDefault();
        app.downloadFile({ url: new URL(url, location.href).href, file_name: "bang_dieu_khien.xlsx" });
      }
    } }, w("excel"));
}

function periodSelect(periods, current, onchange) {
  if (!periods || !periods.length) return null;
  const select = el("select", { id: "period", "aria-label": w("period"),
    onchange: (event) => onchange(Number(event.target.value)) },
  periods.map((p) => el("option", { value: p.id, selected: p.id === current.id }, p.label)));
  if (!periods.some((p) => p.id === current.id)) {
    select.prepend(el("option", { value: current.id, selected: true }, current.label));
  }
  return select;
}

// ------------------------------------------------------------------ charts (inline SVG)
/* Sorted bars, best first, coloured by band, with the policy's 90/70/50 lines. */
function scoreBars(items, thresholds, title) {
  const scored = items.filter((item) => item.value !== null && item.value !== undefined)
    .sort((a, b) => b.value - a.value).slice(0, 40);
  if (!scored.length) return null;
  const rowHeight = 18, left = 120, width = 360, top = 18;
  const height = top + scored.length * rowHeight + 6;
  const x = (value) => left + (Math.max(0, Math.min(value, 100)) / 100) * (width - left - 34);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  chart.append(svg("text", { x: 0, y: 12, "font-weight": "600" }, title));
  scored.forEach((item, index) => {
    const y = top + index * rowHeight;
    const name = item.label.length > 20 ? item.label.slice(0, 19) + "…" : item.label;
    chart.append(svg("text", { x: 0, y: y + 12 }, name));
    chart.append(svg("rect", { x: left, y: y + 2, width: Math.max(1, x(item.value) - left),
      height: rowHeight - 5, rx: 2, class: bandClass(item.band) }));
    chart.append(svg("text", { x: x(item.value) + 3, y: y + 12 }, fmt.format(item.value)));
  });
  for (const line of thresholds || []) {
    chart.append(svg("line", { x1: x(line.value), x2: x(line.value), y1: top - 2, y2: height,
      class: "grid" }, svg("title", {}, line.label)));
  }
  return chart;
}

/* A trend line over the periods of the year (values 0–100), with the target's level. */
function trendLine(points, title, target) {
  const usable = points.filter((p) => p.value !== null && p.value !== undefined);
  if (usable.length < 2) return null;
  const width = 360, height = 120, left = 28, bottom = 20, top = 18;
  const x = (index) => left + index * ((width - left - 10) / Math.max(1, points.length - 1));
  const y = (value) => top + (1 - value / 100) * (height - top - bottom);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  chart.append(svg("text", { x: 0, y: 12, "font-weight": "600" }, title));
  for (const mark of [0, 50, 100]) {
    chart.append(svg("line", { x1: left, x2: width - 6, y1: y(mark), y2: y(mark), class: "grid" }));
    chart.append(svg("text", { x: 0, y: y(mark) + 4 }, fmt.format(mark)));
  }
  if (target !== undefined && target !== null) {
    chart.append(svg("line", { x1: left, x2: width - 6, y1: y(Math.min(100, target)),
      y2: y(Math.min(100, target)), class: "target-line" }));
  }
  const path = points.map((p, i) => (p.value === null ? null : `${x(i)},${y(p.value)}`))
    .filter(Boolean).join(" ");
  chart.append(svg("polyline", { points: path, fill: "none", stroke: "var(--button)",
    "stroke-width": 2 }));
  points.forEach((p, i) => {
    if (p.value !== null) chart.append(svg("circle", { cx: x(i), cy: y(p.value), r: 3, fill: "var(--button)" }));
    const anchor = i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
    chart.append(svg("text", { x: x(i), y: height - 4, "text-anchor": anchor }, p.label));
  });
  return chart;
}

function bandsList(bands) {
  return el("ul", { class: "plain", id: "bands" }, bands.map((b) =>
    el("li", {}, el("span", { class: "chip " + bandClass(b.band) }), `${b.label}: `,
      el("b", {}, fmt.format(b.count)))));
}

function bandStack(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const stack = el("div", { class: "stack" });
  if (!total) return stack;
  for (const [band, count] of Object.entries(counts)) {
    if (count) stack.append(el("i", { class: bandClass(band), style: `width:${100 * count / total}%` }));
  }
  return stack;
}

// ------------------------------------------------------------------ views
async function showOverview() {
  const data = await api("overview", state.period ? { period: state.period } : {});
  state.period = data.period.id;
  const view = [
    el("h1", {}, `${w("overview")} — ${data.period.label}`),
    el("div", { class: "row" }, periodSelect(data.periods, data.period, (id) => {
      state.period = id; render(); }), excelButton({ view: "overview", period: data.period.id })),
    el("p", { class: "muted", id: "as-of" }, data.as_of_text),
    el("div", { class: "cards", id: "figures" },
      card(data.sent_text, w("sent")), card(fmt.format(data.missing), w("missing")),
      card(fmt.format(data.away), w("away"))),
    el("h2", {}, w("targets")),
    data.indicators.length ? el("ul", { class: "plain", id: "targets" }, data.indicators.map((item) =>
      el("li", { class: "target" }, el("div", {}, item.line),
        item.value !== null && item.enough_data ? el("div", { class: "bar" },
          el("i", { class: item.reached ? "reached" : "", style: `width:${Math.min(100, item.value * 100)}%` }),
          el("s", { style: `left:${Math.min(100, item.target * 100)}%` })) : null,
        trendLine((item.trend || []).map((p) => ({ label: p.label,
          value: p.value === null ? null : p.value * 100 })), `${w("trend")} (%)`, item.target * 100))))
      : el("p", { class: "muted" }, w("nothing")),
    el("h2", {}, w("bands")), bandsList(data.bands),
    trendLine(data.year.map((p) => ({ label: p.label,
      value: p.rate === null ? null : p.rate * 100 })), w("sent") + " (%)"),
    trendLine(data.year.map((p) => ({ label: p.label, value: p.average })), w("average")),
    scoreBars(data.units.map((u) => ({ label: u.unit, value: u.average,
      band: bandOf(u.average, data.thresholds) })), data.thresholds, w("average")),
    scoreBars(data.units.map((u) => ({ label: u.unit, value: u.rate * 100, band: null })), [],
      w("sent_by_unit")),
    data.training.length ? el("h2", {}, w("training")) : null,
    el("ul", { class: "plain" }, data.training.map((t) => el("li", {}, `${t.category}: ${t.text}`))),
  ];
  return view;
}

/* The share of those rated who are "Hoàn thành tốt" or better (null: nobody rated). */
function goodShare(bands) {
  const rated = Object.values(bands).reduce((a, b) => a + b, 0);
  return rated ? ((bands.xuat_sac || 0) + (bands.tot || 0)) / rated : null;
}

function bandOf(score, thresholds) {
  if (score === null || score === undefined) return null;
  for (const line of thresholds) if (score >= line.value) return line.band;
  return "khong_hoan_thanh";
}

const UNIT_COLUMNS = [
  ["name", "name"], ["submitted_rate", "sent"], ["on_time_rate", "on_time"],
  ["average", "average"], ["trained_rate", "training"],
  ["good_rate", "bands"], // by the share rated "tốt" or better
];

async function showUnit() {
  const params = {};
  if (state.period) params.period = state.period;
  if (state.unit) params.unit = state.unit;
  const data = await api("unit", params);
  state.period = data.period.id;
  const open = (id) => { state.unit = id; state.shown = PAGE_ROWS; render(); };
  const rows = data.children.map((c) => ({ ...c,
    submitted_rate: c.cadres ? c.submitted / c.cadres : 0,
    on_time_rate: c.cadres ? c.on_time / c.cadres : 0,
    trained_rate: c.cadres ? c.trained / c.cadres : 0,
    good_rate: goodShare(c.bands) }));
  const { key, dir } = state.sort;
  rows.sort((a, b) => {
    if (key === "name") return dir * a.name.localeCompare(b.name, "vi");
    return dir * ((a[key] ?? -1) - (b[key] ?? -1));
  });
  const header = el("tr", {}, UNIT_COLUMNS.map(([column, word]) => el("th", {
    "aria-sort": key === column ? (dir > 0 ? "ascending" : "descending") : null,
    onclick() { state.sort = { key: column, dir: key === column ? -dir : (column === "name" ? 1 : -1) }; render(); },
  }, w(word))));
  const search = el("input", { type: "search", id: "search", placeholder: w("search"),
    async oninput(event) {
      const text = event.target.value.trim();
      const list = $("#found");
      list.replaceChildren();
      if (text.length < 2) return;
      const found = await api("search", { q: text });
      list.replaceChildren(...found.map((u) => el("li", {},
        el("button", { class: "link", onclick: () => open(u.id) }, `${u.name} (${u.code})`))));
    } });
  const path = el("div", { class: "row muted", id: "path" },
    el("button", { class: "link", onclick: () => open(null) }, w("province")),
    data.path.map((u) => [" › ", el("button", { class: "link", onclick: () => open(u.id) }, u.name)]));
  const total = data.total;
  return [
    el("h1", { id: "unit-name" }, `${data.unit.name} — ${data.period.label}`),
    path, el("p", { class: "muted" }, data.as_of_text),
    el("div", { class: "row" }, excelButton({ view: "unit", period: data.period.id, unit: data.unit.id || 0 })),
    el("div", { class: "cards" }, card(total.submitted_text, w("sent")),
      card(total.on_time_text, w("on_time")), card(total.average_text, w("average"))),
    search, el("ul", { class: "plain", id: "found" }),
    rows.length ? el("table", { id: "units" }, el("thead", {}, header), el("tbody", {}, rows.slice(0, state.shown).map((c) =>
      el("tr", {}, el("td", {}, el("button", { class: "link", onclick: () => open(c.id) }, c.name)),
        el("td", {}, c.submitted_text), el("td", {}, c.on_time_text), el("td", {}, c.average_text),
        el("td", {}, c.trained_text), el("td", {}, bandStack(c.bands)))))) : null,
    rows.length > state.shown ? el("button", { id: "more", onclick() { state.shown += PAGE_ROWS; render(); } },
      w("more").replace("{count}", fmt.format(rows.length - state.shown))) : null,
    scoreBars(rows.map((c) => ({ label: c.name, value: c.average, band: bandOf(c.average, data.thresholds) })),
      data.thresholds, w("scores_chart")),
    data.people.length ? el("h2", {}, w("people")) : null,
    data.people.length ? el("table", { id: "people" }, el("tbody", {}, data.people.map((p) =>
      el("tr", {}, el("td", {}, p.name), el("td", {}, p.state), el("td", {}, p.total_text),
        el("td", {}, el("span", { class: "chip " + bandClass(p.band) })))))) : null,
    scoreBars(data.people.map((p) => ({ label: p.name, value: p.total, band: p.band || bandOf(p.total, data.thresholds) })),
      data.thresholds, w("scores_chart")),
  ];
}

function openApproval(person) {
  // back to the chat, on that person's report: the bot's /start link (handlers/review.py)
  const path = `/${state.me.bot}?start=${person.chat_link}`;
  if (window.TelegramWebviewProxy || window.parent !== window || (window.external && "notify" in window.external)) {
    postEvent("web_app_open_tg_link", { path_full: path });
  } else {
    window.open(`https://t.me${path}`, "_blank");
  }
}

async function showTeam() {
  const data = await api("team", state.period ? { period: state.period } : {});
  state.period = data.period.id;
  return [
    el("h1", {}, `${w("team")} — ${data.period.label}`),
    el("div", { class: "row" }, periodSelect(data.periods, data.period, (id) => {
      state.period = id; render(); }), excelButton({ view: "team", period: data.period.id })),
    el("div", { class: "cards", id: "figures" },
      card(`${fmt.format(data.submitted)}/${fmt.format(data.cadres)}`, w("sent")),
      card(fmt.format(data.waiting), w("waiting")), card(data.average_text, w("average"))),
    el("table", { id: "team" }, el("tbody", {}, data.people.map((p) => el("tr", {},
      el("td", {}, p.name, p.own_period ? el("div", { class: "muted" }, p.own_period) : null),
      el("td", {}, p.state + (p.late ? ` · ${w("late")}` : "")),
      el("td", {}, p.total_text, p.band_text ? el("div", { class: "muted" }, p.band_text) : null),
      el("td", {}, p.chat_link ? el("button", { class: "action", onclick: () => openApproval(p) },
        w("open_approval")) : null))))),
    el("h2", {}, w("bands")), bandsList(data.bands),
    scoreBars(data.people.map((p) => ({ label: p.name, value: p.total, band: p.band || bandOf(p.total, data.thresholds) })),
      data.thresholds, w("scores_chart")),
    data.quota ? el("section", { id: "quota" }, el("h2", {}, w("quota")),
      el("p", {}, data.quota.title), el("p", { class: "muted" }, data.quota.rule),
      el("ul", { class: "plain" }, data.quota.groups.map((line) => el("li", {}, line))),
      data.quota.missing ? el("p", {}, `${w("not_proposed")}: ${fmt.format(data.quota.missing)}`) : null)
      : null,
  ];
}

async function showYear() {
  const data = await api("year");
  return [
    el("h1", {}, `${w("year")} — ${data.year}`),
    data.annual ? el("div", { class: "cards" }, card(data.annual.total_text, w("annual")),
      card(data.annual.band_text || "—", w("band"))) : null,
    el("h2", {}, w("by_period")),
    data.periods.length ? el("table", { id: "periods" }, el("tbody", {}, data.periods.map((p) => el("tr", {},
      el("td", {}, p.period), el("td", {}, p.breakdown.map((b) => el("div", { class: "muted" }, `${b.label}: ${b.text}`))),
      el("td", {}, el("b", {}, p.total_text), el("div", { class: "muted" }, p.band_text)))))) :
      el("p", { class: "muted" }, w("nothing")),
    trendLine(data.periods.map((p) => ({ label: p.period.split(" ")[1] || p.period, value: p.total })),
      w("by_period")),
    el("h2", {}, w("training")),
    el("ul", { class: "plain" }, data.training.map((t) => el("li", {}, `${t.title}: ${t.text}`))),
  ];
}

async function showNotices() {
  const data = await api("notices");
  return [
    el("h1", {}, w("notices")),
    data.length ? el("ul", { class: "plain", id: "notices" }, data.map((n) => el("li", {},
      el("div", {}, `#${n.id} ${n.text}`),
      el("div", { class: "muted" }, `${w("delivered")}: ${n.delivered}/${n.total} (${n.delivered_text}) · ` +
        `${w("acknowledged")}: ${n.acknowledged} (${n.acknowledged_text})`)))) :
      el("p", { class: "muted" }, w("nothing")),
  ];
}

const TABS = [
  ["overview", "board", showOverview], ["units", "board", showUnit], ["team", "team", showTeam],
  ["year", "own", showYear], ["notices", "board", showNotices],
];

function tabs() {
  const allowed = TABS.filter(([, right]) => state.me[right]);
  $("#tabs").replaceChildren(...allowed.map(([name]) => el("button", {
    "aria-selected": state.tab === name ? "true" : "false", "data-tab": name,
    onclick() { state.tab = name; state.unit = null; state.shown = PAGE_ROWS; render(); } }, w(name))));
  return allowed;
}

async function render() {
  const view = $("#view");
  tabs();
  const show = TABS.find(([name]) => name === state.tab)[2];
  view.setAttribute("aria-busy", "true");
  try {
    const parts = await show();
    view.replaceChildren(...parts.filter(Boolean));
  } catch (error) {
    view.replaceChildren(el("p", { class: "error" }, error.status === 403 ? w("forbidden") : w("error")),
      el("button", { class: "action", onclick: render }, w("retry")));
  }
  view.setAttribute("aria-busy", "false");
  window.scrollTo(0, 0);
}

async function start() {
  readTelegram();
  try {
    state.words = await api("labels");
  } catch (error) { /* the words stay their keys */ }
  document.title = w("title");
  $("#loading").textContent = w("loading");
  if (!state.initData) {
    $("#view").replaceChildren(el("p", { class: "error" }, w("unauthorised")));
    return;
  }
  try {
    state.me = await api("me");
  } catch (error) {
    $("#view").replaceChildren(el("p", { class: "error" },
      error.status === 401 ? w("unauthorised") : error.status === 403 ? w("forbidden") : w("error")));
    return;
  }
  const allowed = TABS.filter(([, right]) => state.me[right]);
  state.tab = allowed[0][0];
  await render();
}

start();
