#pragma once
// The HTML report's page: CSS and JS inline, no network. render_html() replaces @DATA@ with the
// check result as JSON. The timeline's x axis is event order (each call and return one step),
// which keeps every real-time relation visible however the timestamps are spread.

namespace checker {

inline constexpr const char* kHtmlPage = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>faultline check report</title>
<style>
:root{--bg:#f7f7f5;--fg:#1d232a;--mute:#6b7480;--ok:#4c8bd6;--lin:#2f9e6e;--bad:#d6453d;--unk:#a7adb5;--card:#fff;--line:#e4e6e8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:22px 32px 14px;background:var(--card);border-bottom:1px solid var(--line)}
h1{margin:0 0 4px;font-size:20px;font-weight:600}
h2{font-size:16px;margin:0 0 8px}
.sub{color:var(--mute)}
.badge{display:inline-block;padding:2px 10px;border-radius:11px;font-weight:600;font-size:12px;letter-spacing:.04em;text-transform:uppercase;color:#fff}
.b-linearizable{background:var(--lin)}.b-violation{background:var(--bad)}.b-unknown{background:var(--unk)}
main{padding:18px 32px 40px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin-bottom:18px;box-shadow:0 1px 2px rgba(0,0,0,.03)}
.stats{display:flex;gap:28px;margin-top:10px;flex-wrap:wrap}
.stat b{display:block;font-size:18px}.stat span{color:var(--mute);font-size:12px}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:#fcfcfb;margin-top:10px}
svg text{font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--mute)}
.op{rx:3;stroke-width:1.2}
.op.ok{fill:#d7e6f8;stroke:var(--ok)}
.op.unknown{fill:url(#hatch);stroke:var(--unk);stroke-dasharray:4 3}
.op.lin{fill:#d4efe2;stroke:var(--lin)}
.op.stuck{fill:#fbdcda;stroke:var(--bad);stroke-width:2}
.op:hover{filter:brightness(.93);cursor:default}
.linpath{fill:none;stroke:var(--lin);stroke-width:1.6;opacity:.75}
.lp{fill:var(--lin)}.lp.last{fill:#137a4f}
.lpn{fill:#fff;font-size:9px;text-anchor:middle;pointer-events:none}
.lane{stroke:var(--line)}
.x{color:var(--bad);font-weight:700}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);font-size:13px}
th{color:var(--mute);font-weight:500}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.state{background:#f1f3f4;border-radius:6px;padding:6px 9px;word-break:break-all;margin:4px 0 10px}
ul.stuck{margin:4px 0 0;padding-left:20px}
#tip{position:fixed;pointer-events:none;background:#1d232a;color:#f4f5f6;padding:8px 11px;border-radius:7px;font-size:12px;max-width:520px;display:none;z-index:9;box-shadow:0 4px 14px rgba(0,0,0,.25);word-break:break-all}
#tip .k{color:#9fb0c2}
.legend{display:flex;gap:16px;color:var(--mute);font-size:12px;margin-top:8px;flex-wrap:wrap}
.sw{display:inline-block;width:22px;height:10px;border-radius:3px;vertical-align:middle;margin-right:5px;border:1.2px solid}
.zoom button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:1px 9px;margin-left:4px;cursor:pointer}
.note{color:var(--mute);font-size:12px}
.diff{font-size:12px;margin:2px 0 6px;color:var(--mute)}
.diff mark{background:#fbdcda;color:inherit;border-radius:2px}
</style></head><body>
<header><h1>Linearizability check <span id="verdict"></span></h1><div class="sub" id="subtitle"></div>
<div class="stats" id="stats"></div></header>
<main><div id="parts"></div>
<div class="card"><h2>All keys</h2><div class="note" id="sumnote"></div><table id="summary"></table></div></main>
<div id="tip"></div>
<script type="application/json" id="data">@DATA@</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));
const keyName = k => k === "" ? "(single register)" : JSON.stringify(k);
$("verdict").innerHTML = `<span class="badge b-${D.verdict}">${D.verdict}</span>`;
$("subtitle").textContent = `${D.source} · ${D.format} · model ${D.model}` + (D.message ? ` · ${D.message}` : "");
const nViol = D.partitions.filter(p => p.verdict === "violation").length;
const stats = [["operations", D.operations], ["failed (dropped)", D.failed], ["unknown outcome", D.unknown],
  ["keys", D.partitions.length], ["violating keys", nViol], ["check time", (D.seconds * 1e3).toFixed(1) + " ms"]];
$("stats").innerHTML = stats.map(([k, v]) => `<div class="stat"><b>${v}</b><span>${k}</span></div>`).join("");

// JSON-lines histories are timed in nanoseconds: shown as milliseconds since D.time_origin (the
// first call, or the run's start in a harness run).
function timeText(t) {
  if (t === null) return "never";
  return D.time_origin === undefined ? String(t) : "+" + ((t - D.time_origin) / 1e6).toFixed(3) + " ms";
}

function opText(o) {
  let s = `p${o.p} ${o.f}`;
  if (o.in !== "null") s += " " + o.in;
  if (o.out !== "null" || o.in === "null") s += " → " + o.out;
  return s;
}

function drawPartition(part, el, step) {
  const ops = part.ops, ev = [];
  ops.forEach((o, i) => { ev.push([o.c, 0, i]); if (o.r !== null) ev.push([o.r, 1, i]); });
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const cx = [], rx = [];
  ev.forEach((e, k) => { (e[1] ? rx : cx)[e[2]] = k; });
  const procs = [...new Set(ops.map(o => o.p))].sort((a, b) => a - b);
  const lane = new Map(procs.map((p, i) => [p, i]));
  const L = 70, T = 16, H = 24, N = ev.length;
  const X = k => L + k * step + step / 2;
  const W = X(N) + 30, HT = T + procs.length * H + 12;
  const linPos = new Map(part.lin.map((i, k) => [i, k]));
  const stuck = new Set(part.stuck);
  let s = `<svg width="${W}" height="${HT}">` +
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="6" height="6" fill="#eef0f2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d3d7db" stroke-width="2"/></pattern></defs>`;
  procs.forEach((p, i) => {
    const y = T + i * H;
    s += `<line class="lane" x1="${L}" x2="${W}" y1="${y + H - 2}" y2="${y + H - 2}"/><text x="8" y="${y + 15}">p${p}</text>`;
  });
  ops.forEach((o, i) => {
    const y = T + lane.get(o.p) * H + 3, x1 = X(cx[i]) - step / 2 + 1;
    const x2 = o.r === null ? X(N) : X(rx[i]) + step / 2 - 1;
    const cls = stuck.has(i) ? "stuck" : linPos.has(i) ? "lin" : o.out === "unknown" ? "unknown" : "ok";
    s += `<rect class="op ${cls}" data-i="${i}" x="${x1}" y="${y}" width="${Math.max(3, x2 - x1)}" height="${H - 8}"/>`;
    if (stuck.has(i)) s += `<text x="${x1 + 3}" y="${y + 12}" style="fill:var(--bad);font-weight:700">✕</text>`;
  });
  // Linearization points: the earliest point inside each interval after the previous one.
  let prev = -Infinity; const pts = [];
  part.lin.forEach(i => {
    const o = ops[i], lo = X(cx[i]) - step / 2 + 2, hi = o.r === null ? X(N) : X(rx[i]) + step / 2 - 2;
    const x = Math.min(Math.max(prev + 3, lo), hi); prev = x;
    pts.push([x, T + lane.get(o.p) * H + H / 2 - 1, i]);
  });
  if (pts.length) s += `<polyline class="linpath" points="${pts.map(p => p[0] + "," + p[1]).join(" ")}"/>`;
  pts.forEach(([x, y, i], k) => {
    s += `<circle class="lp${k === pts.length - 1 ? " last" : ""}" data-i="${i}" cx="${x}" cy="${y}" r="${step >= 10 ? 6.5 : 4}"/>`;
    if (step >= 10) s += `<text class="lpn" x="${x}" y="${y + 3}">${(k + 1 + part.lin_skipped) % 1000}</text>`;
  });
  el.innerHTML = s + "</svg>";
  const tip = $("tip");
  el.onmousemove = ev2 => {
    const t = ev2.target.getAttribute && ev2.target.getAttribute("data-i");
    if (t === null || t === undefined) { tip.style.display = "none"; return; }
    const i = +t, o = ops[i];
    let h = `<b>${esc(opText(o))}</b><br><span class="k">call</span> ${timeText(o.c)} · <span class="k">return</span> ${o.r === null ? "never (unknown outcome)" : timeText(o.r)} · <span class="k">line</span> ${o.line}`;
    if (linPos.has(i)) h += `<br><span class="k">#${linPos.get(i) + 1 + part.lin_skipped} in the longest linearization; state after:</span><br>${esc(part.states[linPos.get(i)] || "(not recorded: early in the prefix)")}`;
    if (stuck.has(i)) h += `<br><span class="x">cannot follow the prefix:</span> <span class="k">the state after the prefix is</span><br>${esc(part.stuck_state)}`;
    tip.innerHTML = h; tip.style.display = "block";
    const w = tip.offsetWidth;
    tip.style.left = Math.min(ev2.clientX + 14, window.innerWidth - w - 8) + "px";
    tip.style.top = (ev2.clientY + 16) + "px";
  };
  el.onmouseleave = () => { tip.style.display = "none"; };
}

D.drawn.forEach((part, n) => {
  const card = document.createElement("div");
  card.className = "card";
  const last = part.lin.slice(-3).map(i => `<li><code>${esc(opText(part.ops[i]))}</code> <span class="note">line ${part.ops[i].line}</span></li>`).join("");
  const cut = b => b ? "…" : "";
  const diffText = d => d === null ? "" :
    `<div class="diff mono">first difference at character ${d.at}:<br>` +
    `read&nbsp;&nbsp; ${cut(d.before_cut)}${esc(d.before)}<mark>${esc(d.read)}</mark>${cut(d.read_cut)}<br>` +
    `state&nbsp; ${cut(d.before_cut)}${esc(d.before)}<mark>${esc(d.state)}</mark>${cut(d.state_cut)}</div>`;
  const stuckList = part.stuck.map((i, k) => `<li><code>${esc(opText(part.ops[i]))}</code> <span class="note">call ${timeText(part.ops[i].c)}, return ${timeText(part.ops[i].r)}, line ${part.ops[i].line}</span>${diffText(part.stuck_diffs[k])}</li>`).join("");
  card.innerHTML = `<h2>Key ${esc(keyName(part.key))} <span class="badge b-violation">violation</span></h2>` +
    `<div>${part.ops.length + part.skipped} operations on this key cannot be linearized together. The longest linearizable prefix has <b>${part.lin.length + part.lin_skipped}</b> operations` +
    (part.lin.length ? `, ending with:<ul class="stuck">${last}</ul>` : ".") + `</div>` +
    `<div style="margin-top:8px">State after it:</div><div class="state mono">${esc(part.stuck_state)}</div>` +
    `<div>None of these can follow it (each contradicts that state):</div><ul class="stuck">${stuckList}</ul>` +
    `<div class="legend"><span><i class="sw" style="background:#d4efe2;border-color:var(--lin)"></i>in the longest linearization (dots: order)</span>` +
    `<span><i class="sw" style="background:#fbdcda;border-color:var(--bad)"></i>cannot follow the prefix</span>` +
    `<span><i class="sw" style="background:#d7e6f8;border-color:var(--ok)"></i>not reached</span>` +
    `<span><i class="sw" style="background:#eef0f2;border-color:var(--unk);border-style:dashed"></i>unknown outcome</span>` +
    `<span>x axis: event order (one step per call or return) · lanes: processes · hover for details` +
    (D.time_origin === undefined ? "" : ` · times: ms since ${esc(D.time_origin_label)}`) + `</span>` +
    `<span class="zoom">zoom<button data-z="0.5">−</button><button data-z="2">+</button></span></div>` +
    (part.skipped ? `<div class="note">Drawn: the ${part.ops.length} operations around the point of failure (${part.skipped} earlier or later ones left out).</div>` : "") +
    `<div class="scroll" id="tl${n}"></div>`;
  $("parts").appendChild(card);
  let step = part.ops.length > 2000 ? 4 : 14;
  const el = $("tl" + n);
  drawPartition(part, el, step);
  card.querySelectorAll("button[data-z]").forEach(b => b.onclick = () => {
    step = Math.min(40, Math.max(2, step * +b.dataset.z)); drawPartition(part, el, step);
  });
  // Start scrolled to where the search got stuck.
  if (part.lin.length) el.scrollLeft = Math.max(0, el.scrollWidth * (part.lin.length / part.ops.length) - el.clientWidth / 2);
});
if (!D.drawn.length) $("parts").innerHTML = `<div class="card">${D.verdict === "linearizable" ? "Every key has a linearization: nothing to explain." : "No violation found. " + esc(D.message)}</div>`;
const shown = D.partitions.slice().sort((a, b) => (a.verdict === "violation" ? 0 : 1) - (b.verdict === "violation" ? 0 : 1));
const MAXROWS = 2000;
$("sumnote").textContent = D.partitions.length > MAXROWS ? `showing ${MAXROWS} of ${D.partitions.length} keys (violations first)` : "";
$("summary").innerHTML = "<tr><th>key</th><th>verdict</th><th>operations</th><th>configurations explored</th><th>time</th><th>note</th></tr>" +
  shown.slice(0, MAXROWS).map(p => `<tr><td class="mono">${esc(keyName(p.key))}</td><td><span class="badge b-${p.verdict}">${p.verdict}</span></td><td>${p.ops}</td><td>${p.configs}</td><td>${p.ms.toFixed(2)} ms</td><td class="note">${esc(p.note)}</td></tr>`).join("");
</script></body></html>
)HTML";

}  // namespace checker
