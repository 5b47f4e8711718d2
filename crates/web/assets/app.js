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
    const parts = [el("h3", {}, "Frame " + n)];
    if (d.record.tcp_stream !== undefined) {
      const b = el("button", { type: "button", id: "follow-from-frame" }, "Follow TCP stream " + d.record.tcp_stream);
      b.addEventListener("click", () => followStream(d.record.tcp_stream));
      parts.push(b);
    }
    const view = frameView(d.detail || [], bytes);
    parts.push(view.status, el("div", { class: "frame-view" }, view.tree, view.pre));
    if (d.truncated) parts.push(el("p", { class: "muted" }, "(first 64 KiB shown; fields past them are not highlighted)"));
    parts.push(dl);
    pane.replaceChildren(...parts);
  } catch (e) {
    showError(pane, e);
  }
}

// ---- a frame's detail tree and bytes ----
// The tree is `peel frames -V`'s (the API's `detail` nodes: field, label, offset, length,
// children; offsets into the returned bytes). Selecting a node highlights its bytes in the dump;
// clicking a byte selects the innermost node that covers it.

// Where a node's bytes are, in words: `ip.src: bytes 26–29 (4 bytes)`, or why none are shown.
function nodePlace(item, have) {
  const n = item.node;
  const what = n.field || "(group)";
  if (n.offset === undefined || n.length === undefined)
    return item.reassembled
      ? `${what}: in bytes reassembled from earlier frames, not in this frame's bytes alone`
      : `${what}: not a run of the frame's bytes`;
  const last = n.offset + n.length - 1;
  if (n.offset >= have) return `${what}: bytes ${n.offset}–${last}, past the bytes shown`;
  const count = `${n.length} byte${n.length === 1 ? "" : "s"}`;
  if (n.offset + n.length > have) return `${what}: bytes ${n.offset}–${last} (${count}, the first ${have - n.offset} shown)`;
  return `${what}: bytes ${n.offset}–${last} (${count})`;
}

function frameView(detail, bytes) {
  const dump = hexView(bytes);
  const flat = []; // {node, depth, label, reassembled}, in tree order
  const status = el("p", { id: "field-status", class: "muted" }, "Click a field to highlight its bytes.");
  let current = null;

  // `from`: "tree" shows the bytes, "bytes" opens and shows the node.
  function select(item, from) {
    if (current) current.label.classList.remove("selected");
    current = item;
    item.label.classList.add("selected");
    const { offset, length } = item.node;
    if (offset !== undefined && length !== undefined) dump.highlight(offset, offset + length);
    else dump.highlight(0, 0);
    status.textContent = nodePlace(item, bytes.length);
    if (from === "bytes") {
      for (let d = item.label.parentElement.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
      item.label.scrollIntoView({ block: "nearest" });
    } else dump.reveal();
  }

  // `reassembled`: the node or one around it has a length but no offset (a TLS record that began
  // in an earlier frame).
  function build(node, depth, reassembled) {
    reassembled = reassembled || (node.offset === undefined && node.length !== undefined);
    const title = node.field + (node.offset !== undefined ? " @" + node.offset : "") + (node.length !== undefined ? "+" + node.length : "");
    const label = el("span", { class: "node", tabIndex: 0, title, "data-field": node.field }, node.label);
    const item = { node, depth, label, reassembled };
    flat.push(item);
    label.addEventListener("click", (e) => {
      e.preventDefault(); // select, do not fold: the marker folds
      select(item, "tree");
    });
    label.addEventListener("dblclick", () => {
      const box = label.parentElement.tagName === "SUMMARY" ? label.parentElement.parentElement : null;
      if (box) box.open = !box.open;
    });
    label.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        select(item, "tree");
      }
    });
    const kids = node.children || [];
    if (!kids.length) return el("div", { class: "leaf" }, label);
    const box = el("details", { open: depth === 0 }, el("summary", {}, label));
    box.append(...kids.map((k) => build(k, depth + 1, reassembled)));
    return box;
  }

  const tree = el("div", { id: "frame-tree", class: "tree" }, ...detail.map((n) => build(n, 0, false)));
  dump.pre.addEventListener("click", (e) => {
    const at = dump.byteAt(e);
    if (at === null) return;
    // The innermost node holding the byte: the deepest, and of those the first in tree order.
    let best = null;
    for (const item of flat) {
      const { offset, length } = item.node;
      if (offset === undefined || length === undefined || at < offset || at >= offset + length) continue;
      if (!best || item.depth > best.depth) best = item;
    }
    if (best) select(best, "bytes");
  });
  return { tree, status, pre: dump.pre };
}

// One line of a hex dump: the offset, 16 bytes in hex (one more space after the 8th), the bytes
// as ASCII between bars.
const HEX_AT = 10; // where the hex starts in a line
const TEXT_AT = HEX_AT + 16 * 3 + 1 + 2; // where the ASCII starts
const hexColumn = (j) => 3 * j + (j >= 8 ? 1 : 0);

function dumpParts(bytes, i, base) {
  const line = bytes.subarray(i, i + 16);
  let hex = "";
  for (let j = 0; j < 16; j++) {
    hex += j < line.length ? line[j].toString(16).padStart(2, "0") + " " : "   ";
    if (j === 7) hex += " ";
  }
  let text = "";
  for (const b of line) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
  return { head: (base + i).toString(16).padStart(8, "0") + "  ", hex, text };
}

// A frame's hex dump, one span per line; `highlight(lo, hi)` wraps bytes lo..hi (clipped to the
// bytes there are) in `<span class="hl">` in both the hex and the ASCII columns.
function hexView(bytes) {
  const pre = el("pre", { id: "frame-bytes" });
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    if (i) pre.append("\n");
    const line = el("span", { class: "line" });
    lines.push(line);
    pre.append(line);
    paint(i / 16, 0, 0);
  }
  let shown = [0, 0];

  function paint(li, lo, hi) {
    const i = li * 16;
    const { head, hex, text } = dumpParts(bytes, i, 0);
    const n = Math.min(16, bytes.length - i);
    const a = Math.max(0, Math.min(n, lo - i));
    const b = Math.max(0, Math.min(n, hi - i));
    if (a >= b) {
      lines[li].replaceChildren(head + hex + " |" + text + "|");
      return;
    }
    const ha = hexColumn(a);
    const hb = hexColumn(b - 1) + 2;
    lines[li].replaceChildren(
      head + hex.slice(0, ha),
      el("span", { class: "hl hex" }, hex.slice(ha, hb)),
      hex.slice(hb) + " |" + text.slice(0, a),
      el("span", { class: "hl ascii" }, text.slice(a, b)),
      text.slice(b) + "|"
    );
  }

  // Repaints the lines of the old and the new range only.
  function highlight(lo, hi) {
    lo = Math.max(0, Math.min(lo, bytes.length));
    hi = Math.max(lo, Math.min(hi, bytes.length));
    const touched = new Set();
    for (const [a, b] of [shown, [lo, hi]])
      for (let li = Math.floor(a / 16); li * 16 < b; li++) touched.add(li);
    shown = [lo, hi];
    for (const li of touched) paint(li, lo, hi);
  }

  function reveal() {
    const first = pre.querySelector(".hl");
    if (first) first.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  // The byte under a click: the line is one row of monospace characters (no wrapping), so the
  // column is the distance from its left edge over the width of one character.
  function byteAt(e) {
    const line = e.target instanceof Element ? e.target.closest(".line") : null;
    const li = lines.indexOf(line);
    if (li < 0) return null;
    const r = line.getBoundingClientRect();
    const chars = line.textContent.length;
    if (!chars || r.width <= 0) return null;
    const col = Math.floor(((e.clientX - r.left) * chars) / r.width);
    const n = Math.min(16, bytes.length - li * 16);
    let j = null;
    if (col >= TEXT_AT && col < TEXT_AT + n) j = col - TEXT_AT;
    else if (col >= HEX_AT && col < HEX_AT + hexColumn(15) + 2) {
      const h = col - HEX_AT;
      for (let k = 0; k < n; k++) if (h >= hexColumn(k) && h < hexColumn(k) + 2) j = k;
    }
    return j === null ? null : li * 16 + j;
  }

  return { pre, highlight, reveal, byteAt };
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
    const { head, hex, text } = dumpParts(bytes, i, base);
    lines.push(head + hex + " |" + text + "|");
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
