// peel's web view. Plain JavaScript, no libraries: every value from the capture goes into the
// page through textContent; only the ladder SVG (drawn and escaped by the server) is inserted as
// markup.
"use strict";

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error((await r.text()).trimEnd() || r.statusText);
  return r.json();
}

function showError(where, err) {
  where.replaceChildren(el("pre", { class: "error" }, String(err.message || err)));
}

function row(cells, attrs) {
  return el("tr", attrs, ...cells.map((c) => (c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c ?? ""))));
}

// ---- tabs ----
const loaded = {};
const loaders = { frames: () => loadFrames(), tls: loadTls, streams: () => {}, sip: loadSip, http: loadHttp };

function showTab(name) {
  if (!loaders[name]) name = "frames";
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".pane")) p.hidden = p.id !== "pane-" + name;
  if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  if (!loaded[name]) {
    loaded[name] = true;
    loaders[name]();
  }
}

// ---- summary ----
async function loadSummary() {
  try {
    const s = await getJSON("/api/summary");
    document.title = "peel: " + s.capture;
    $("#capture-name").textContent = s.capture;
    $("#capture-summary").textContent =
      `${s.frames} frames, ${s.tcp_streams} TCP streams, ${s.tls_sessions} TLS sessions, ` +
      `${s.sip_messages} SIP messages in ${s.sip_calls} calls, ${s.http_messages} HTTP messages`;
    const notes = [...s.warnings];
    if (s.malformed_frames > 0) notes.push(`${s.malformed_frames} frames did not fully decode (see the Info column)`);
    for (const u of s.undecrypted) notes.push("TLS session not decrypted, its messages are missing: " + u);
    if (notes.length) {
      $("#warnings").textContent = notes.join("\n");
      $("#warnings").hidden = false;
    }
  } catch (e) {
    $("#capture-summary").textContent = "analysis failed: " + e.message;
  }
}

// ---- frames ----
const frames = { filter: "", offset: 0, limit: 100, total: 0 };

async function loadFrames() {
  const q = new URLSearchParams({ offset: frames.offset, limit: frames.limit });
  if (frames.filter) q.set("filter", frames.filter);
  $("#frames-status").textContent = "loading…";
  const r = await fetch("/api/frames?" + q);
  const err = $("#filter-error");
  if (!r.ok) {
    err.textContent = (await r.text()).trimEnd();
    err.hidden = false;
    $("#frames-status").textContent = "";
    return;
  }
  err.hidden = true;
  err.textContent = "";
  const page = await r.json();
  frames.total = page.total;
  const body = $("#frames tbody");
  body.replaceChildren(
    ...page.frames.map((f) =>
      row(
        [f.frame, f.time_relative.toFixed(6), f.src, f.dst, f.protocol, f.length, el("td", { class: "wrap" }, f.info)],
        { "data-frame": f.frame }
      )
    )
  );
  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.frames.length;
  $("#frames-status").textContent =
    `frames ${first}–${last} of ${page.total}` + (page.filter ? ` matching ${page.filter}` : "");
  $("#prev").disabled = page.offset === 0;
  $("#next").disabled = last >= page.total;
}

async function showFrame(n, tr) {
  for (const s of document.querySelectorAll("#frames tr.selected")) s.classList.remove("selected");
  if (tr) tr.classList.add("selected");
  const pane = $("#frame-detail");
  pane.replaceChildren(el("p", { class: "muted" }, "loading frame " + n + "…"));
  try {
    const d = await getJSON("/api/frames/" + n);
    const dl = el("dl", { class: "fields" });
    for (const [k, v] of Object.entries(d.record)) dl.append(el("dt", {}, k), el("dd", {}, v));
    const bytes = new Uint8Array(d.data.match(/../g)?.map((h) => parseInt(h, 16)) || []);
    const parts = [el("h3", {}, "Frame " + n), dl];
    if (d.record.tcp_stream !== undefined) {
      const b = el("button", { type: "button", id: "follow-from-frame" }, "Follow TCP stream " + d.record.tcp_stream);
      b.addEventListener("click", () => followStream(d.record.tcp_stream));
      parts.push(b);
    }
    parts.push(el("pre", { id: "frame-bytes" }, hexDump(bytes, 0)));
    if (d.truncated) parts.push(el("p", { class: "muted" }, "(first 64 KiB shown)"));
    pane.replaceChildren(...parts);
  } catch (e) {
    showError(pane, e);
  }
}

// ---- TLS ----
async function loadTls() {
  const body = $("#tls tbody");
  try {
    const list = await getJSON("/api/tls");
    if (!list.length) body.replaceChildren(row([el("td", { colSpan: 10 }, "no TLS sessions")]));
    else
      body.replaceChildren(
        ...list.map((s) => {
          const cert = s.certificate ? `${s.certificate.subject} (serial ${s.certificate.serial})` : "-";
          const hs = s.resumed ? "resumed by " + s.resumed.replace("_", " ") : s.renegotiation ? "full (renegotiation)" : "full";
          const dec = s.decrypted
            ? el("td", { class: "ok" }, `yes, ${s.records_decrypted} records`)
            : el("td", { class: "bad wrap" }, "no: " + (s.reason || "not decrypted"));
          const tr = row(
            [s.stream, s.client, s.server, s.version || "-", `${s.cipher_suite || "-"} ${s.cipher_suite_name || ""}`,
             s.session_id || "-", hs, [s.sni, s.alpn].filter(Boolean).join(" / ") || "-", el("td", { class: "wrap" }, cert), dec],
            { "data-stream": s.stream, title: "Click to follow the decrypted stream" }
          );
          tr.addEventListener("click", () => followStream(s.stream));
          return tr;
        })
      );
  } catch (e) {
    showError(body, e);
  }
}

// ---- streams ----
function printable(bytes) {
  let s = "";
  for (const b of bytes) {
    if (b === 0x0a || b === 0x09) s += String.fromCharCode(b);
    else if (b === 0x0d) continue;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += ".";
  }
  return s;
}

function hexDump(bytes, base) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const line = bytes.subarray(i, i + 16);
    let hex = "";
    for (let j = 0; j < 16; j++) {
      hex += j < line.length ? line[j].toString(16).padStart(2, "0") + " " : "   ";
      if (j === 7) hex += " ";
    }
    let text = "";
    for (const b of line) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    lines.push((base + i).toString(16).padStart(8, "0") + "  " + hex + " |" + text + "|");
  }
  return lines.join("\n");
}

const SHOW_MAX = 512 * 1024;

function followStream(n) {
  $("#stream-n").value = n;
  showTab("streams");
  loadStream();
}

async function loadStream() {
  const n = $("#stream-n").value;
  const dir = $("#stream-dir").value;
  const hex = $("#stream-format").value === "hex";
  const view = $("#stream-view");
  const status = $("#stream-status");
  view.replaceChildren();
  status.textContent = "decrypting stream " + n + "…";
  try {
    const o = await getJSON("/api/streams/" + encodeURIComponent(n));
    const bytesOf = async (d) => new Uint8Array(await (await fetch(`/api/streams/${o.stream}?direction=${d}`)).arrayBuffer());
    const [client, server] = await Promise.all([bytesOf("tls-client"), bytesOf("tls-server")]);
    const total = o.client_bytes + o.server_bytes;
    let note = `stream ${o.stream}: ${o.client_bytes} bytes from the client, ${o.server_bytes} from the server`;
    if (o.failed_records) note += `; ${o.failed_records} records failed their integrity check and are not shown`;
    if (!total) note += " (nothing decrypted: not TLS, or no key for its session; see TLS sessions)";
    let chunks = o.chunks;
    if (dir !== "both") {
      // peel follow's client/server: tshark's node 0 / node 1.
      const node0 = o.node0 || "client";
      const side = dir === "client" ? node0 : node0 === "client" ? "server" : "client";
      chunks = [{ side, offset: 0, length: side === "client" ? client.length : server.length }];
    }
    let shown = 0;
    const offsets = { client: 0, server: 0 };
    for (const c of chunks) {
      if (shown >= SHOW_MAX) {
        note += ` (first ${SHOW_MAX / 1024} KiB shown)`;
        break;
      }
      const src = c.side === "client" ? client : server;
      const part = src.subarray(c.offset, c.offset + Math.min(c.length, SHOW_MAX - shown));
      shown += part.length;
      const cls = c.side === "client" ? "c" : "s";
      view.append(el("span", { class: cls, title: c.side + ", " + c.length + " bytes" }, hex ? hexDump(part, c.offset) : printable(part)));
      offsets[c.side] += c.length;
    }
    status.textContent = note;
  } catch (e) {
    status.textContent = "";
    showError(view, e);
  }
}

// ---- SIP ----
let ladderMessages = [];

async function loadSip() {
  const calls = $("#sip-calls tbody");
  try {
    const list = await getJSON("/api/sip/calls");
    if (!list.length) calls.replaceChildren(row([el("td", { colSpan: 10 }, "no SIP messages")]));
    else
      calls.replaceChildren(
        ...list.map((c) => {
          const tr = row(
            [c.call_id, c.kind, c.state, c.from, c.to, c.messages, `${c.first_frame}–${c.last_frame}`, c.duration.toFixed(3) + "s",
             el("td", { class: "wrap dialogs" }, c.dialogs.map(([f, t]) => `${f} / ${t}`).join("\n") || "-"),
             el("td", { class: "wrap transactions" }, c.transactions.join("\n"))],
            { "data-call-id": c.call_id }
          );
          tr.addEventListener("click", () => openCall(c.call_id, tr));
          return tr;
        })
      );
  } catch (e) {
    showError(calls, e);
  }
  const msgs = $("#sip-messages tbody");
  try {
    const list = await getJSON("/api/sip");
    msgs.replaceChildren(
      ...list.map((m) => {
        const what = m.method ? `${m.method} ${m.uri || ""}` : `${m.status} ${m.reason || ""}`;
        const tr = row([m.frame, m.stream, m.src, m.dst, m.transport, what, m.call_id || "-", m.cseq || "-"], { "data-frame": m.frame });
        if (m.call_id) tr.addEventListener("click", () => openCall(m.call_id, null, m.frame));
        return tr;
      })
    );
  } catch (e) {
    showError(msgs, e);
  }
}

async function openCall(callId, tr, frame) {
  for (const s of document.querySelectorAll("#sip-calls tr.selected")) s.classList.remove("selected");
  const target = tr || [...document.querySelectorAll("#sip-calls tbody tr")].find((r) => r.dataset.callId === callId);
  if (target) target.classList.add("selected");
  const box = $("#ladder");
  box.replaceChildren(el("p", { class: "muted" }, "drawing…"));
  $("#sip-message").textContent = "";
  $("#sip-message-title").textContent = "Click an arrow for the message.";
  try {
    const l = await getJSON("/api/sip/ladder?call=" + encodeURIComponent(callId));
    ladderMessages = l.messages;
    box.innerHTML = l.svg;
    box.dataset.callId = callId;
    if (frame !== undefined) {
      const i = l.messages.findIndex((m) => m.frame === frame);
      if (i >= 0) showMessage(i);
    }
  } catch (e) {
    showError(box, e);
  }
}

function showMessage(i) {
  const m = ladderMessages[i];
  if (!m) return;
  for (const g of document.querySelectorAll("#ladder g.arrow")) g.classList.remove("selected");
  const a = document.querySelectorAll("#ladder svg a")[i];
  if (a) a.querySelector("g.arrow")?.classList.add("selected");
  $("#sip-message-title").textContent = `frame ${m.frame}: ${m.from} → ${m.to}: ${m.label}`;
  $("#sip-message").textContent = m.text.replace(/\r\n/g, "\n");
}

// ---- HTTP ----
async function loadHttp() {
  const body = $("#http tbody");
  try {
    const list = await getJSON("/api/http");
    if (!list.length) body.replaceChildren(row([el("td", { colSpan: 8 }, "no HTTP messages")]));
    else
      body.replaceChildren(
        ...list.map((m) => {
          const what = m.method ? `${m.method} ${m.uri || ""} ${m.version}` : `${m.version} ${m.status} ${m.reason || ""}`;
          const bodyLen = m.body_length + (m.decoded_length !== undefined ? ` (${m.decoded_length} decoded)` : "");
          const tr = row([m.frame, m.stream, m.src, m.dst, el("td", { class: "wrap" }, what), m.host || "-", m.content_type || "-", bodyLen], {
            "data-frame": m.frame,
            title: "Click to follow the stream",
          });
          tr.addEventListener("click", () => followStream(m.stream));
          return tr;
        })
      );
  } catch (e) {
    showError(body, e);
  }
}

// ---- wiring ----
document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("#filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const typed = $("#filter").value;
    frames.filter = typed.trim() ? typed : "";
    frames.offset = 0;
    loadFrames();
  });
  $("#clear").addEventListener("click", () => {
    $("#filter").value = "";
    frames.filter = "";
    frames.offset = 0;
    loadFrames();
  });
  $("#prev").addEventListener("click", () => {
    frames.offset = Math.max(0, frames.offset - frames.limit);
    loadFrames();
  });
  $("#next").addEventListener("click", () => {
    if (frames.offset + frames.limit < frames.total) {
      frames.offset += frames.limit;
      loadFrames();
    }
  });
  $("#frames tbody").addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-frame]");
    if (tr) showFrame(tr.dataset.frame, tr);
  });
  $("#stream-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadStream();
  });
  $("#ladder").addEventListener("click", (e) => {
    const a = e.target.closest("a");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href") || "";
    const i = parseInt(href.replace(/^#m/, ""), 10);
    if (!Number.isNaN(i)) showMessage(i);
  });
  loadSummary();
  showTab(location.hash.slice(1));
});
