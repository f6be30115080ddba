// view.js: keeps the live view's page up to date. The server
// (scripts/view.py) pushes one state per snapshot as a Server-Sent Event:
// the graph as SVG (rendered by dot on the host), the drops, and the last
// frames of every tap. Nothing is reloaded: each state replaces the last.
"use strict";

const $ = (id) => document.getElementById(id);
let source = null;
let lastTime = 0;
let lastSvg = null;

function text(tag, content, cls) {
  const e = document.createElement(tag);
  e.textContent = content;
  if (cls) e.className = cls;
  return e;
}

function showDrops(drops) {
  const body = document.createElement("tbody");
  if (!drops || drops.length === 0) {
    body.appendChild(document.createElement("tr")).appendChild(text("td", "none", "none"));
  }
  for (const d of drops || []) {
    const tr = document.createElement("tr");
    tr.className = "drop";
    tr.appendChild(text("td", `stream ${d.stream} /dev/${d.dev}`));
    tr.appendChild(text("td", `${d.name} (${d.side})`));
    tr.appendChild(text("td", String(d.drops), "red"));
    tr.appendChild(text("td", d.why || ""));
    body.appendChild(tr);
  }
  $("drops").replaceChildren(body);
}

function showTaps(taps) {
  const box = $("taps");
  if (!taps || taps.length === 0) {
    box.replaceChildren(text("p", "no tap pushed", "none"));
    return;
  }
  const parts = [];
  for (const t of taps) {
    const div = document.createElement("div");
    div.className = "tap";
    div.id = `tap-${t.slot}`;
    const where = t.kept !== "-" ? `/dev/kept/${t.kept}` : `stream ${t.stream}`;
    div.appendChild(text("h3", `/dev/tap/${t.slot} on ${where}: ${t.frames} frames read`));
    const lines = (t.last || []).map((r) => `${r.no}  ${r.proto}  ${r.info}`);
    div.appendChild(text("pre", lines.length ? lines.join("\n") : "(no frames yet)"));
    parts.push(div);
  }
  box.replaceChildren(...parts);
}

function show(st) {
  lastTime = Date.now();
  const status = $("status");
  if (st.ok) {
    status.textContent = "live";
    status.className = "ok";
    if (st.svg !== lastSvg) {        // the same picture is not drawn again
      $("graph").innerHTML = st.svg;
      lastSvg = st.svg;
    }
    showDrops(st.drops);
    showTaps(st.taps);
  } else {
    status.textContent = "no answer from the guest: " + st.error;
    status.className = "stale";
  }
  const up = $("updated");
  up.dataset.seq = String(st.seq);
  up.textContent = `update ${st.seq}`;
}

function connect(guest) {
  if (source) source.close();
  source = new EventSource("events?guest=" + encodeURIComponent(guest));
  source.onmessage = (ev) => show(JSON.parse(ev.data));
  source.onerror = () => {
    $("status").textContent = "no connection to the view server";
    $("status").className = "stale";
  };
}

// A page whose updates stopped says so (the server went away, or the
// channel to the guest did).
setInterval(() => {
  if (lastTime && Date.now() - lastTime > 3000) {
    $("status").textContent = "stale: no update for " +
      Math.round((Date.now() - lastTime) / 1000) + " s";
    $("status").className = "stale";
  }
}, 1000);

$("fit").onchange = () => $("graph").classList.toggle("fit", $("fit").checked);

fetch("guests.json").then((r) => r.json()).then((guests) => {
  const sel = $("guest");
  for (const g of guests) sel.appendChild(text("option", g));
  sel.onchange = () => connect(sel.value);
  connect(guests[0]);
});
