// glassnet's lecture demos: gradient descent, one backpropagation step, the perceptron rule, Hopfield, SOM.
// Each page sends its settings to /api/<demo> and draws what glassnet computed.
"use strict";

const ORANGE = "rgb(245,147,34)", BLUE = "rgb(8,119,189)", RED = "rgb(200,40,40)";

// `digits` significant digits without the fraction's trailing zeros ("0.500000" -> "0.5", "1.00000e+6" -> "1e+6");
// an integer's own zeros stay (160000 is "160000", not "16")
function num(v, digits = 6) {
  if (v === null || v === undefined) return "—";
  const text = Number(v).toPrecision(digits);
  return text.includes(".") ? text.replace(/\.?0+(e|$)/, "$1") : text;
}
function cell(v, digits = 6) { return Array.isArray(v) ? "[" + v.map((u) => cell(u, digits)).join(", ") + "]" : num(v, digits); }

// A field's name as its label shows it: "Learning rate η" for #learning_rate.
function labelOf(id) { return $(id).closest("label").firstChild.textContent.trim(); }

// A number field's value; an empty one (or text that is no number) is an error, not 0 (Number("") === 0).
function number(id) {
  const text = $(id).value.trim();
  if (text === "" || !Number.isFinite(Number(text))) {
    throw Object.assign(new Error(`${labelOf(id)} is missing or not a number`), { field: id });
  }
  return Number(text);
}

// The "x1, x2" field's two numbers. Text that is not two numbers ("0.5 abc", one number, three) is an
// error said in the field's words, not sent as [0.5, null] for the server to call "numbers of shape (2,)".
function pair(id) {
  const text = $(id).value.trim(), parts = text.split(/[ ,;]+/).filter((s) => s);
  if (parts.length !== 2 || !parts.every((s) => Number.isFinite(Number(s)))) {
    const message = `${labelOf(id)} must be two numbers separated by a comma, e.g. 0.5, 1. Received: "${text}"`;
    throw Object.assign(new Error(message), { field: id });
  }
  return parts.map(Number);
}

// After an error the results on screen belong to other settings: dim them (.results panel),
// empty the one-line verdicts named by `ids`, and say why. A successful answer undims them.
// The field at fault (the error's `field`: the server's, or number()'s) is marked invalid (red),
// so the setting to fix is seen from the back of the room.
function failed(e, ...ids) {
  sayError(e.message);
  document.querySelector(".results").classList.add("stale");
  for (const id of ids) $(id).textContent = "";
  unmark();
  const field = e.field && $(e.field);
  if (field && field.closest("label")) field.setAttribute("aria-invalid", "true");
}
function unmark() { document.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid")); }
function fresh() { document.querySelector(".results").classList.remove("stale"); unmark(); }

function table(element, header, rows) {
  element.innerHTML = "";
  const head = element.insertRow();
  for (const h of header) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
  for (const r of rows) { const tr = element.insertRow(); for (const v of r) tr.insertCell().textContent = typeof v === "string" ? v : cell(v); }
}

// Steps through recorded frames 0 .. count() − 1: the Play button animates, next() advances one.
// show(k) draws frame k; summary(k) says it in a sentence to screen readers after a step, a pause or
// the last frame (not every frame of Play).
function player(count, show, delay, summary) {
  const p = { k: 0, playing: false }, button = $("play");
  const stop = () => { p.playing = false; label(button, "▶", "Play"); if (count()) announce(summary(p.k)); };
  async function loop() {
    while (p.playing && p.k < count() - 1) { p.k += 1; show(p.k); await new Promise((res) => setTimeout(res, delay)); }
    stop();
  }
  button.addEventListener("click", () => {
    if (count() === 0) return;
    if (p.playing) { stop(); return; }
    if (p.k >= count() - 1) p.k = 0;
    p.playing = true; label(button, "❚❚", "Pause"); loop();
  });
  p.next = () => { if (p.k < count() - 1) { p.k += 1; show(p.k); announce(summary(p.k)); } };
  p.restart = () => { p.k = 0; show(0); };
  return p;
}

// --- gradient descent --------------------------------------------------------------------------
function descentPage() {
  const call = latest();  // the latest settings' answer wins
  let shown = null;  // the answer drawn
  const read = () => ({
    function: $("function").value, x0: number("x0"), learning_rate: number("learning_rate"),
    steps: number("steps"), optimizer: $("optimizer").value,
  });
  async function run() {
    try {
      const r = await call("POST", "/api/descend", read);
      say(""); fresh();
      // a slow path says how far it got and how many more steps it needs, as glassnet descend's verdict
      $("verdict").textContent = `${r.verdict}${r.slow ? " slowly" : ""} (η = ${r.learning_rate})`;
      $("slow").textContent = r.slow ? r.slow[0].toUpperCase() + r.slow.slice(1) : "";
      announce(`Path: ${$("verdict").textContent}. ${$("slow").textContent}`.trim());
      // another optimizer's step is not η·f'(x): the server names the columns
      table($("table"), ["step", ...r.columns], r.rows.map((row, k) => [String(k + 1), ...row]));
      plot(shown = r);
    } catch (e) { failed(e, "verdict", "slow"); }
  }
  function plot(r) {
    const { ctx, w, h } = sharp($("plot"));
    const xs = r.curve.x, ys = r.curve.y.map((v) => (v === null ? NaN : v));
    const finite = ys.filter(Number.isFinite);
    const pathY = r.path.y.filter((v) => v !== null && Number.isFinite(v));
    let lo = Math.min(...finite), hi = Math.max(...finite, ...pathY.filter((v) => v <= Math.max(...finite)));
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const X = (x) => ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * (w - 20) + 10;
    const Y = (y) => h - 10 - ((y - lo) / (hi - lo)) * (h - 20);
    ctx.strokeStyle = "#999";
    ctx.beginPath();
    xs.forEach((x, i) => { if (Number.isFinite(ys[i])) (i ? ctx.lineTo(X(x), Y(ys[i])) : ctx.moveTo(X(x), Y(ys[i]))); });
    ctx.stroke();
    ctx.strokeStyle = RED;
    ctx.fillStyle = RED;
    ctx.beginPath();
    r.path.x.forEach((x, i) => {
      const y = r.path.y[i];
      if (x === null || y === null || x < xs[0] || x > xs[xs.length - 1]) return;
      (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y)));
    });
    ctx.stroke();
    r.path.x.forEach((x, i) => {
      const y = r.path.y[i];
      if (x === null || y === null || x < xs[0] || x > xs[xs.length - 1]) return;
      ctx.beginPath(); ctx.arc(X(x), Y(y), 3, 0, 2 * Math.PI); ctx.fill();
    });
  }
  for (const id of ["function", "x0", "learning_rate", "steps", "optimizer"]) $(id).addEventListener("change", run);
  document.querySelectorAll("button[data-eta]").forEach((b) => b.addEventListener("click", () => {
    $("learning_rate").value = b.dataset.eta; run();
  }));
  onResize(() => shown && plot(shown));
  run();
}

// --- one step of backpropagation -----------------------------------------------------------------
function backpropPage() {
  const call = latest();  // the latest settings' answer wins
  let step = 1, last = null;  // the step shown, and the server's answer for it
  let pending = false;  // an answer is on its way: "Apply the update" waits for it
  const read = (w) => ({
    x: pair("x"), y: number("y"),
    learning_rate: number("learning_rate"), activation: $("activation").value, ...(w ? { weights: w } : {}),
  });
  // Shows step `n` from weights `w` (null: the lecture's). `last` and `step` change only when the
  // server answers, and "Apply the update" waits for the answer (a double click is one step). It is
  // marked aria-disabled, not disabled, meanwhile: a disabled button loses the keyboard's focus.
  async function run(w, n) {
    pending = true;
    $("next").setAttribute("aria-disabled", "true");
    try {
      const answer = await call("POST", "/api/backprop", () => read(w));
      last = answer; step = n;
      fresh();
      // JSON has no inf or NaN: the server sends null, shown as "—"; say why
      if (last.trace.loss === null || last.loss_after === null) {
        sayError("The loss overflowed (NaN or infinite): η is too large and the steps diverge. Lower η and restart.");
      } else say("");
      const t = last.trace;
      $("stepno").textContent = step;
      $("loss").textContent = num(t.loss, 9);
      $("loss_after").textContent = num(last.loss_after, 9);
      announce(`Step ${step}: J = ${$("loss").textContent}, after the update ${$("loss_after").textContent}`);
      draw(t);
      tables(t);
    } catch (e) {
      failed(e, "loss", "loss_after");
    } finally {
      pending = false;
      $("next").setAttribute("aria-disabled", "false");
    }
  }
  function tables(t) {
    const box = $("tables");
    box.innerHTML = "";
    const add = (title, header, rows) => {
      const h = document.createElement("h3"); h.textContent = title; box.appendChild(h);
      const el = document.createElement("table"); el.className = "lecture"; box.appendChild(el);
      table(el, header, rows);
    };
    const one = (v) => (Array.isArray(v) ? v[0] : v);
    add("Forward pass (blue path): z^(l+1) = a^(l) W^(l) + b^(l), a^(l+1) = g(z^(l+1))", ["l", "layer", "a^(l)", "z^(l+1)", "a^(l+1)"],
      t.layers.map((l) => [String(l.index), `${l.name} (${l.activation})`, one(l.a_in), one(l.z), one(l.a)]));
    add("Backward pass (red path)", ["l", "layer", "∂J/∂a^(l+1)", "g'(z^(l+1))", "rule", "δ^(l+1)"],
      t.backward_order.map((i) => t.layers.find((l) => l.index === i)).map((l) => [String(l.index), l.name,
        l.dJ_da === null ? "" : one(l.dJ_da), one(l.g_prime), l.delta_rule, one(l.delta)]));
    const rows = [];  // θ (after) to 9 digits: the lecture's w5 → 0.35891648 is W^(2)[0][0]
    for (const l of t.layers) for (const k of Object.keys(l.params)) {
      rows.push([String(l.index), `${k}^(${l.index})`, l.params[k], l.grads[k], l.updates[k],
        cell(last.next_weights[`${k}${l.index}`], 9)]);
    }
    add(`Gradients and the update of one ${t.optimizer} step (η = ${t.learning_rate})`,
      ["l", "θ", "θ (before)", "∂J/∂θ", "Δθ = −η ∂J/∂θ", "θ (after)"], rows);
  }
  function draw(t) {
    const { ctx } = sharp($("diagram"));  // drawn in its 640 × 300 units
    const [L1, L2] = t.layers;
    const pos = { x: [[70, 90], [70, 210]], h: [[320, 90], [320, 210]], o: [[570, 150]] };
    ctx.font = "12px system-ui";
    // at: where along the edge its labels go (crossing edges get different places).
    const edge = (from, to, w, g, colour, at = 0.35) => {
      ctx.strokeStyle = colour; ctx.lineWidth = 1 + 3 * Math.min(1, Math.abs(w));
      ctx.beginPath(); ctx.moveTo(...from); ctx.lineTo(...to); ctx.stroke();
      const mx = from[0] + at * (to[0] - from[0]), my = from[1] + at * (to[1] - from[1]);
      ctx.fillStyle = "#000"; ctx.fillText(`w=${num(w, 4)}`, mx - 20, my - 4);
      ctx.fillStyle = RED; ctx.fillText(`∂J/∂w=${num(g, 3)}`, mx - 20, my + 10);
    };
    const at = [[0.35, 0.3], [0.72, 0.35]];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) edge(pos.x[i], pos.h[j], L1.params.W[i][j], L1.grads.W[i][j], BLUE, at[i][j]);
    for (let j = 0; j < 2; j++) edge(pos.h[j], pos.o[0], L2.params.W[j][0], L2.grads.W[j][0], BLUE);
    const nodeAt = (p, lines) => {
      ctx.lineWidth = 1; ctx.fillStyle = "#fff"; ctx.strokeStyle = "#333";
      ctx.beginPath(); ctx.arc(p[0], p[1], 34, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      lines.forEach(([text, colour], k) => { ctx.fillStyle = colour; ctx.fillText(text, p[0] - 30, p[1] - 6 + 13 * k); });
    };
    const x = t.x[0];
    pos.x.forEach((p, i) => nodeAt(p, [[`x${i + 1}=${num(x[i], 4)}`, "#000"]]));
    pos.h.forEach((p, j) => nodeAt(p, [[`z=${num(L1.z[0][j], 4)}`, "#000"], [`a=${num(L1.a[0][j], 4)}`, BLUE], [`δ=${num(L1.delta[0][j], 3)}`, RED]]));
    nodeAt(pos.o[0], [[`z=${num(L2.z[0][0], 4)}`, "#000"], [`y=${num(L2.a[0][0], 4)}`, BLUE], [`δ=${num(L2.delta[0][0], 3)}`, RED]]);
    ctx.fillStyle = "#000";
    ctx.fillText(`t = ${num(t.y[0][0], 4)},  J = ${num(t.loss, 6)}`, 470, 250);
  }
  $("next").addEventListener("click", () => { if (last && !pending) run(last.next_weights, step + 1); });
  const restart = () => run(null, 1);
  $("restart").addEventListener("click", restart);
  for (const id of ["x", "y", "learning_rate", "activation"]) $(id).addEventListener("change", restart);
  onResize(() => last && draw(last.trace));
  restart();
}

// --- the perceptron rule --------------------------------------------------------------------------
function perceptronPage() {
  const call = latest();  // the latest settings' answer wins
  let r = null;
  const play = player(() => (r ? r.steps.length : 0), (k) => draw(k), 120,
    (k) => `Step ${k} of ${r.steps.length - 1}, epoch ${$("epochno").textContent}: ${$("update").textContent}`);
  // a logic gate is its four points: the number of points is off (and not sent), and the hint says why
  const gate = () => $("dataset").value !== "plane";
  const read = () => ({
    dataset: $("dataset").value, ...(gate() ? {} : { n_samples: number("n_samples") }),
    learning_rate: number("learning_rate"), epochs: number("epochs"),
  });
  function pointsField() { $("n_samples").disabled = gate(); $("n_samples_hint").hidden = !gate(); }
  async function reset() {
    try {
      r = await call("POST", "/api/perceptron", read);
      fresh();
      say(r.separable ? "" : "XOR is not linearly separable: the line never stops moving.");
      $("nsteps").textContent = r.steps.length - 1;
      $("mistakes").textContent = r.mistakes_per_epoch.slice(1).join(", ");
      play.restart();
    } catch (e) { r = null; failed(e, "update", "mistakes"); }
  }
  function draw(k) {
    const c = $("plane"), { ctx, w: cw, h: ch } = sharp(c), n = r.points.length;
    let span = 1.5;
    for (const [a, b] of r.points) span = Math.max(span, Math.abs(a) * 1.15, Math.abs(b) * 1.15);
    const X = (x) => ((x + span) / (2 * span)) * cw, Y = (y) => ((span - y) / (2 * span)) * ch;
    const w = r.steps[k];
    // The half-plane the neuron calls +1 is tinted blue, the other orange: the square is filled orange,
    // then its part where w0 + w1 x1 + w2 x2 >= 0, a polygon (the square cut by the line), blue. (Not
    // pixel by pixel: 1200 × 1200 of them at 2× on a projector took over 100 ms a frame.)
    const net = ([a, b]) => w[0] + w[1] * a + w[2] * b, plus = [];
    const corners = [[-span, span], [span, span], [span, -span], [-span, -span]];
    corners.forEach((p, i) => {
      const q = corners[(i + 1) % 4], np = net(p), nq = net(q);
      if (np >= 0) plus.push(p);
      if ((np >= 0) !== (nq >= 0)) plus.push([p[0] + (np / (np - nq)) * (q[0] - p[0]), p[1] + (np / (np - nq)) * (q[1] - p[1])]);
    });
    ctx.fillStyle = "rgb(253,236,214)";
    ctx.fillRect(0, 0, cw, ch);
    ctx.fillStyle = "rgb(220,235,247)";
    ctx.beginPath();
    plus.forEach(([a, b]) => ctx.lineTo(X(a), Y(b)));
    ctx.fill();
    if (w[1] !== 0 || w[2] !== 0) {
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.beginPath();
      if (Math.abs(w[2]) > Math.abs(w[1])) {
        ctx.moveTo(X(-span), Y(-(w[0] + w[1] * -span) / w[2])); ctx.lineTo(X(span), Y(-(w[0] + w[1] * span) / w[2]));
      } else {
        ctx.moveTo(X(-(w[0] + w[2] * -span) / w[1]), Y(-span)); ctx.lineTo(X(-(w[0] + w[2] * span) / w[1]), Y(span));
      }
      ctx.stroke();
    }
    const current = k < r.samples.length ? r.samples[k] : -1;
    // +1 a dot, −1 a square: the class shows without its colour too (a grey projector, a printout)
    r.points.forEach(([a, b, t], i) => {
      const size = i === current ? 8 : 5;
      ctx.beginPath();
      if (t > 0) ctx.arc(X(a), Y(b), size, 0, 2 * Math.PI); else ctx.rect(X(a) - size, Y(b) - size, 2 * size, 2 * size);
      ctx.fillStyle = t > 0 ? BLUE : ORANGE; ctx.fill();
      ctx.lineWidth = i === current ? 3 : 1; ctx.strokeStyle = i === current ? "#000" : "#fff"; ctx.stroke();
    });
    $("stepno").textContent = k;
    $("epochno").textContent = Math.min(r.mistakes_per_epoch.length - 1, Math.floor(k / n) + 1);
    if (current >= 0) {
      const [a, b, t] = r.points[current];
      const net = w[0] + w[1] * a + w[2] * b, f = net >= 0 ? 1 : -1, eta = r.learning_rate;
      $("update").textContent = `w = (${w.map((v) => num(v, 4)).join(", ")}), x = (1, ${num(a, 3)}, ${num(b, 3)}), t = ${t}: `
        + `net = ${num(net, 4)}, sgn(net) = ${f}; Δw = η(t − f)x = ${num(eta * (t - f), 3)}·x`
        + (r.mistakes[k] ? " (a mistake: the line moves)" : " (correct: no change)");
    } else {
      $("update").textContent = `w = (${w.map((v) => num(v, 4)).join(", ")}) after ${k} steps`;
    }
  }
  $("reset").addEventListener("click", reset);
  $("step").addEventListener("click", () => play.next());
  for (const id of ["dataset", "n_samples", "learning_rate", "epochs"]) $(id).addEventListener("change", reset);
  $("dataset").addEventListener("change", pointsField);
  onResize(() => r && draw(play.k));
  pointsField();  // (a reload may keep a gate chosen)
  reset();
}

// --- Hopfield recall --------------------------------------------------------------------------------
// One pixel per bit, enlarged without smoothing: sharp cells with no seams between them at any scale.
function drawBitmap(canvas, bits, shape) {
  const { ctx, w, h } = sharp(canvas), [rows, cols] = shape, off = document.createElement("canvas");
  off.width = cols; off.height = rows;
  const image = off.getContext("2d").createImageData(cols, rows);
  bits.forEach((b, k) => image.data.set(b > 0 ? [24, 61, 93, 255] : [255, 255, 255, 255], 4 * k));
  off.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, w, h);
}

function hopfieldPage() {
  const call = latest();  // the latest settings' answer wins
  let r = null;
  const play = player(() => (r ? r.frames.length : 0), (k) => show(k), 60,
    (k) => `Frame ${k} of ${r.frames.length - 1}. ${$("outcome").textContent}`.trim());
  const read = () => ({ store: $("store").value, recall: $("recall").value, noise: Number($("noise").value) / 100,
    mode: $("mode").value, seed: number("seed") });
  async function run() {
    try {
      let mode;  // the mode of the settings this answer is for
      r = { ...(await call("POST", "/api/hopfield", () => { const s = read(); mode = s.mode; return s; })), mode };
      fresh();
      say(r.notes.join(" "));
      const box = $("stored");
      box.innerHTML = "";
      r.stored.forEach((p, i) => {
        const fig = document.createElement("figure"), c = document.createElement("canvas");
        c.width = c.height = 60;
        c.setAttribute("role", "img");  // a screen reader names each bitmap, as the page's own canvases
        c.setAttribute("aria-label", `stored pattern ${r.names[i]}`);
        const cap = document.createElement("figcaption"); cap.textContent = r.names[i];
        fig.append(c, cap); box.appendChild(fig);
        drawBitmap(c, p, r.shape);  // in the page: drawn at its size on screen
      });
      drawBitmap($("noisy"), r.noisy, r.shape);
      $("nframes").textContent = r.frames.length - 1;
      play.restart();
    } catch (e) { r = null; failed(e, "outcome"); }
  }
  function show(k) {
    $("frame").textContent = k;
    drawBitmap($("state"), r.frames[k], r.shape);
    const { ctx, w, h } = sharp($("energy")), E = r.energies;
    const lo = Math.min(...E), hi = Math.max(...E), span = hi - lo || 1;
    ctx.strokeStyle = "#000"; ctx.beginPath();
    E.slice(0, k + 1).forEach((e, i) => {
      const x = (i / Math.max(E.length - 1, 1)) * (w - 10) + 5, y = 5 + ((hi - e) / span) * (h - 10);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.font = "14px system-ui";  // the canvas's default 10px cannot be read from a lecture hall's back row
    ctx.fillText(`E = ${num(E[k], 5)}`, 5, h - 5);
    $("outcome").textContent = k === r.frames.length - 1
      ? `${r.outcome}: ${r.wrong_bits} bit(s) differ after ${r.sweeps} ${r.mode === "async" ? "sweep" : "step"}(s)` : "";
  }
  $("noise").addEventListener("input", () => { $("noise_value").textContent = $("noise").value; });
  for (const id of ["store", "recall", "noise", "mode", "seed"]) $(id).addEventListener("change", run);
  $("run").addEventListener("click", run);
  onResize(() => {
    if (!r) return;
    document.querySelectorAll("#stored canvas").forEach((c, i) => drawBitmap(c, r.stored[i], r.shape));
    drawBitmap($("noisy"), r.noisy, r.shape);
    show(play.k);
  });
  run();
}

// --- the self-organizing map ---------------------------------------------------------------------------
function somPage() {
  const call = latest();  // the latest settings' answer wins
  let r = null;
  const play = player(() => (r ? r.frames.length : 0), (k) => show(k), 150,
    (k) => `Epoch ${k}: quantization error ${$("qe").textContent}; topographic error (end) ${$("te").textContent}`);
  const read = () => ({ dataset: $("dataset").value, rows: number("rows"), cols: number("cols"),
    topology: $("topology").value, epochs: number("epochs"), mode: $("mode").value, init: $("init").value,
    seed: number("seed") });
  async function run() {
    try {
      r = await call("POST", "/api/som", read);
      say(""); fresh();
      $("te").textContent = num(r.topographic_error, 3);
      play.restart();
    } catch (e) { r = null; failed(e, "qe", "te"); }
  }
  function show(k) {
    const { ctx, w, h } = sharp($("plane"));
    let span = 1;
    for (const [a, b] of r.points) span = Math.max(span, Math.abs(a) * 1.1, Math.abs(b) * 1.1);
    const X = (x) => ((x + span) / (2 * span)) * w, Y = (y) => ((span - y) / (2 * span)) * h;
    ctx.fillStyle = "rgba(8,119,189,0.35)";
    for (const [a, b] of r.points) { ctx.beginPath(); ctx.arc(X(a), Y(b), 2, 0, 2 * Math.PI); ctx.fill(); }
    const W = r.frames[k];
    ctx.strokeStyle = "#c33"; ctx.lineWidth = 1;
    for (const [i, j] of r.edges) { ctx.beginPath(); ctx.moveTo(X(W[i][0]), Y(W[i][1])); ctx.lineTo(X(W[j][0]), Y(W[j][1])); ctx.stroke(); }
    ctx.fillStyle = "#c33";
    for (const w of W) { ctx.beginPath(); ctx.arc(X(w[0]), Y(w[1]), 3, 0, 2 * Math.PI); ctx.fill(); }
    $("epoch").textContent = k;
    $("qe").textContent = num(r.quantization_errors[k], 4);
  }
  for (const id of ["dataset", "rows", "cols", "topology", "epochs", "mode", "init", "seed"]) $(id).addEventListener("change", run);
  $("run").addEventListener("click", run);
  onResize(() => r && show(play.k));
  run();
}

({ descent: descentPage, backprop: backpropPage, perceptron: perceptronPage, hopfield: hopfieldPage, som: somPage })[document.body.dataset.demo]();
