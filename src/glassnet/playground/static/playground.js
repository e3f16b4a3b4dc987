// glassnet playground: draws what the server's glassnet session computes.
// Every change of a setting starts a new session at epoch 0 and stops Play (Reset draws new
// initial weights, Regenerate new data), but the learning rate's: each step sends the rate on
// screen, so a new rate trains on from the current weights, as on playground.tensorflow.org.
// Play asks for one epoch at a time and redraws.
"use strict";

const ORANGE = [245, 147, 34], WHITE = [255, 255, 255], BLUE = [8, 119, 189];
let opts = null, settings = null, session = null, points = null, state = null;
let playing = false, busy = false, generation = 0;
let sessionGeneration = 0;  // the generation whose session `session` is
let creating = false;       // a new session is on its way

// t in [-1, 1] -> orange ... white ... blue
function colour(t) {
  if (t === null || Number.isNaN(t)) return [200, 200, 200];
  t = Math.max(-1, Math.min(1, t));
  const [a, b] = t < 0 ? [WHITE, ORANGE] : [WHITE, BLUE];
  const s = Math.abs(t);
  return a.map((v, i) => Math.round(v + (b[i] - v) * s));
}

// Scale a map to [-1, 1]: the output of a classifier is a probability (0.5 is white);
// a regression's output is drawn as it is, clamped to [-1, 1] (the targets' scale, as the
// TensorFlow Playground's heat map), so an output too large shows as one; a neuron's map
// is divided by its largest magnitude.
// `scale`: "probability", "value" or "max" (the three cases above).
function unitScale(values, scale) {
  if (scale === "value") return values;
  if (scale === "probability") return values.map((v) => (v === null ? null : 2 * v - 1));
  let m = 0;
  for (const v of values) if (v !== null) m = Math.max(m, Math.abs(v));
  return values.map((v) => (v === null ? null : m > 0 ? v / m : 0));
}

// Returns the canvas's { ctx, w, h } (sharp()), to draw more on the map.
function drawMap(canvas, values, n, scale, discretize) {
  const drawn = sharp(canvas), { ctx } = drawn;
  const image = ctx.createImageData(n, n);
  unitScale(values, scale).forEach((t, k) => {
    const c = colour(discretize && t !== null ? Math.sign(t) : t);
    image.data.set([c[0], c[1], c[2], 255], 4 * k);
  });
  const off = document.createElement("canvas");
  off.width = off.height = n;
  off.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, drawn.w, drawn.h);
  return drawn;
}

function drawSurface() {
  const canvas = $("surface"), classification = settings.problem === "classification";
  const scale = classification ? "probability" : "value";
  const { ctx, w, h } = drawMap(canvas, state.surface, session.grid, scale, $("discretize").checked), d = session.domain;
  const px = (x) => ((x + d) / (2 * d)) * w, py = (y) => ((d - y) / (2 * d)) * h;
  const sets = [["train", "#fff"]];
  if ($("show_test").checked) sets.push(["test", "#000"]);
  for (const [name, stroke] of sets) {
    for (const [x, y, label] of points[name]) {
      const c = colour(classification ? 2 * label - 1 : label);  // regression: the surface's scale
      ctx.beginPath();
      ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c})`;
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.stroke();
    }
  }
}

// The loss curves over the epochs so far, on a scale from 0 to the largest loss (labelled at the
// left), with the epoch count under the right end; before the first epoch, a line saying what comes.
function drawLoss() {
  const { ctx, w, h } = sharp($("loss-chart"));
  const series = [[state.train_loss, "#999"], [state.test_loss, "#000"]];
  ctx.font = "12px system-ui";
  ctx.fillStyle = "#666";
  if (state.train_loss.length < 2) {
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText("The losses after each epoch are drawn here:", w / 2, h / 2 - 8);
    ctx.fillText("press ▶ Play or Step.", w / 2, h / 2 + 8);
    return;
  }
  let hi = 0;
  for (const [s] of series) for (const v of s) if (v !== null && Number.isFinite(v)) hi = Math.max(hi, v);
  // the plot's box, labels outside it: the left margin fits the scale's label (a diverging run's 1.511e+286)
  const left = Math.max(42, Math.ceil(ctx.measureText(fmt(hi)).width) + 8), right = w - 4, top = 6, bottom = h - 16;
  const epochs = state.train_loss.length - 1;
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left, bottom); ctx.lineTo(right, bottom); ctx.stroke();
  ctx.textAlign = "right"; ctx.textBaseline = "top";
  ctx.fillText(fmt(hi), left - 4, top - 2);
  ctx.textBaseline = "bottom";
  ctx.fillText("0", left - 4, bottom + 2);
  ctx.textBaseline = "top";
  ctx.fillText(`epoch ${epochs}`, right, bottom + 3);
  if (hi === 0) return;
  for (const [s, stroke] of series) {
    ctx.beginPath();
    s.forEach((v, i) => {
      const x = left + (i / epochs) * (right - left);
      const y = bottom - ((v ?? hi) / hi) * (bottom - top);  // a diverged (null) loss at the top
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }
}

// A loss: 3 decimals, or 3 significant digits in exponent form once it is large (a diverging run's 1e288)
function fmt(v) {
  if (v === null || v === undefined) return "–";
  return Math.abs(v) >= 1e4 ? Number(v).toExponential(3) : Number(v).toFixed(3);
}

// --- the network diagram: feature column, hidden layers, output -----------------------------
// A square that can be clicked is a <button>, so the keyboard and screen readers reach it too.
// `map()`: the square's values now (the square stays, the state changes every epoch).
// `scale`: unitScale's; "max" but for the output, which is drawn on the surface's scale.
function node(kind, map, label, onClick, scale = "max") {
  const div = document.createElement(onClick ? "button" : "div");
  div.className = `node ${kind}`;
  if (onClick) div.type = "button";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = session.neuron_grid;
  div.appendChild(canvas);
  if (label) {
    const span = document.createElement("span");
    span.className = "label";
    span.textContent = label;
    div.insertBefore(span, canvas);
  }
  // drawn in the page (drawNetwork), at its size on screen
  if (map) canvas.paint = () => drawMap(canvas, map(), session.neuron_grid, scale, false);
  if (onClick) div.addEventListener("click", onClick);
  return div;
}

let columns = [], built = null;  // the diagram's squares, column by column, and the network they show

// The squares and buttons are built for each new network (session); an epoch only repaints them and
// moves the weight lines. Built anew every epoch, the focused button was replaced ~20 times a second
// during Play, and a screen reader said "feature x1, toggle button, pressed" each time.
function drawNetwork() {
  const network = `${session.id} ${state.neurons.map((m) => m.length)}`;
  if (network !== built) { buildNetwork(); built = network; }
  $("network").querySelectorAll("canvas").forEach((c) => c.paint?.());
  requestAnimationFrame(drawWeights);
}

function buildNetwork() {
  const root = $("network");
  // keep the keyboard focus on the button that had it (a feature switched, a neuron added)
  const focused = root.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
  root.innerHTML = "";
  columns = [];
  // Features: every one is shown; the unused ones are dimmed. Click toggles.
  const features = document.createElement("div");
  features.className = "column";
  features.innerHTML = '<div class="title">features</div>';
  const active = settings.features;
  const featureNodes = {};
  opts.features.forEach((f) => {
    const on = active.includes(f);
    const el = node(`feature ${on ? "" : "off"}`, () => session.feature_maps[f], f, () => toggleFeature(f));
    el.dataset.feature = f;
    el.dataset.key = `feature ${f}`;
    el.setAttribute("aria-pressed", String(on));
    el.setAttribute("aria-label", `feature ${f}`);
    featureNodes[f] = el;
    features.appendChild(el);
  });
  root.appendChild(features);
  columns.push(active.map((f) => featureNodes[f]));
  // Hidden layers, each with +/- neuron buttons, then the output neuron.
  const hidden = settings.layers;
  state.neurons.slice(1).forEach((maps, l) => {
    const column = document.createElement("div");
    column.className = "column";
    const isOutput = l === hidden.length;
    const title = document.createElement("div");
    title.className = "title";
    if (isOutput) {
      title.textContent = "output";
    } else {
      const add = `add a neuron to layer ${l + 1}`, remove = `remove a neuron from layer ${l + 1}`;
      // at a limit the button stays (and keeps the keyboard's focus) but looks off and says why when pressed
      const full = maps.length >= opts.max_neurons, one = maps.length <= 1;
      title.innerHTML = `<div class="buttons">`
        + `<button data-layer="${l}" data-delta="1" data-key="+${l}" aria-label="${add}" title="${add}" aria-disabled="${full}">+</button>`
        + `<button data-layer="${l}" data-delta="-1" data-key="-${l}" aria-label="${remove}" title="${remove}" aria-disabled="${one}">−</button>`
        + `</div>${maps.length} neurons`;
      title.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
        changeNeurons(Number(b.dataset.layer), Number(b.dataset.delta));
      }));
    }
    column.appendChild(title);
    // the output is drawn on the surface's scale, not stretched to its largest value: a classifier's
    // probability (0.5 white), a regression's value (clamped to [-1, 1]), so the square is the surface
    const scale = !isOutput ? "max" : settings.problem === "classification" ? "probability" : "value";
    const nodes = maps.map((_, j) => {
      const n = node(isOutput ? "output" : "neuron", () => state.neurons[l + 1][j], null, null, scale);
      const canvas = n.querySelector("canvas");
      canvas.setAttribute("role", "img");  // a screen reader names each square
      canvas.setAttribute("aria-label", isOutput ? "the output over the plane" : `neuron ${j + 1} of layer ${l + 1} over the plane`);
      return n;
    });
    nodes.forEach((n) => column.appendChild(n));
    root.appendChild(column);
    columns.push(nodes);
  });
  $("layer-count").textContent = hidden.length;
  $("add-layer").setAttribute("aria-disabled", String(hidden.length >= opts.max_layers));
  $("remove-layer").setAttribute("aria-disabled", String(hidden.length === 0));
  if (focused) [...root.querySelectorAll("button")].find((b) => b.dataset.key === focused)?.focus();
}

// The weight lines, placed from where the squares are; the lines of the last epoch are moved and
// recoloured, not replaced (a mouse's hover title stays up).
function drawWeights() {
  const root = $("network"), svgNS = "http://www.w3.org/2000/svg";
  let svg = root.querySelector("svg");
  if (!svg) {
    svg = root.appendChild(document.createElementNS(svgNS, "svg"));
    svg.setAttribute("role", "img");  // one picture to a screen reader: the table below has its numbers
    svg.setAttribute("aria-label", "the weights as lines between the squares; the table below has their values");
  }
  svg.setAttribute("width", 0);  // the diagram's own size, not the size of the lines there were
  svg.setAttribute("height", 0);
  const box = root.getBoundingClientRect();
  svg.setAttribute("width", root.scrollWidth);
  svg.setAttribute("height", root.scrollHeight);
  const centre = (el, side) => {
    const r = el.querySelector("canvas").getBoundingClientRect();
    return [(side > 0 ? r.right : r.left) - box.left + root.scrollLeft, r.top + r.height / 2 - box.top];
  };
  let wmax = 0, k = 0;
  for (const W of state.weights) for (const row of W) for (const w of row) if (w !== null) wmax = Math.max(wmax, Math.abs(w));
  state.weights.forEach((W, l) => {
    W.forEach((row, i) => row.forEach((w, j) => {
      const [x1, y1] = centre(columns[l][i], 1), [x2, y2] = centre(columns[l + 1][j], -1);
      let line = svg.children[k++];
      if (!line) {
        line = svg.appendChild(document.createElementNS(svgNS, "line"));
        line.appendChild(document.createElementNS(svgNS, "title"));
        line.setAttribute("opacity", 0.8);
      }
      line.setAttribute("x1", x1); line.setAttribute("y1", y1);
      line.setAttribute("x2", x2); line.setAttribute("y2", y2);
      line.setAttribute("stroke", w >= 0 ? `rgb(${BLUE})` : `rgb(${ORANGE})`);
      line.setAttribute("stroke-width", wmax > 0 && w !== null ? 0.5 + 5 * Math.abs(w) / wmax : 0.5);
      setText(line.firstChild, `w = ${w}`);
    }));
  });
  while (svg.children.length > k) svg.lastChild.remove();
}

// An element's text, changed in place (its text node kept) and only when it differs.
function setText(el, text) {
  if (el.textContent === text) return;
  if (el.firstChild?.nodeType === Node.TEXT_NODE) el.firstChild.data = text;
  else el.textContent = text;
}

// The weights and biases as tables, one per layer (rows: from, columns: to), under the diagram:
// what the lines' widths and hover titles show, for the keyboard and screen readers. Drawn while open,
// built for each network (as the diagram) and filled in place each epoch, so it can be read during Play.
function weightTables() {
  const box = $("weights-table");
  const value = (v) => (v === null ? "–" : Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(4));
  if (box.dataset.network === built) {
    const cells = box.querySelectorAll("td"), values = state.weights.flatMap((W, l) => [...W, state.biases[l]].flat());
    values.forEach((v, k) => setText(cells[k], value(v)));
    return;
  }
  box.dataset.network = built;
  box.innerHTML = "";
  const names = (l, n) => (l === 0 ? settings.features : Array.from({ length: n }, (_, i) => `neuron ${i + 1}`));
  state.weights.forEach((W, l) => {
    const output = l === state.weights.length - 1, to = output ? ["output"] : names(l + 1, W[0].length);
    const table = document.createElement("table");
    table.className = "lecture";
    table.createCaption().textContent = `${l === 0 ? "features" : `layer ${l}`} → ${output ? "output" : `layer ${l + 1}`}`;
    const head = table.insertRow();
    for (const h of ["w: from ↓ to →", ...to]) head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
    const rows = [...W.map((row, i) => [names(l, W.length)[i], row]), ["bias b", state.biases[l]]];
    for (const [name, row] of rows) {
      const tr = table.insertRow();
      tr.appendChild(Object.assign(document.createElement("th"), { textContent: name, scope: "row" }));
      for (const v of row) tr.insertCell().textContent = value(v);
    }
    box.appendChild(table);
  });
}

// The drawings of a session whose settings are no longer those on screen (starting one for the new
// settings failed: the server is away) are dimmed, as the demo pages dim theirs, until one is drawn.
function dim(on) {
  for (const id of ["network", "weights-table", "loss-chart", "surface"]) $(id).classList.toggle("stale", on);
}

function render() {
  dim(false);
  $("epoch").textContent = String(state.epoch).padStart(6, "0");
  $("train_loss").textContent = fmt(state.train_loss[state.train_loss.length - 1]);
  $("test_loss").textContent = fmt(state.test_loss[state.test_loss.length - 1]);
  drawSurface();
  drawLoss();
  drawNetwork();
  if ($("weights-box").open) weightTables();
  if (state.diverged) { sayError(state.diverged); setPlaying(false); }
}

// --- settings and sessions -----------------------------------------------------------------
function readControls() {
  settings.learning_rate = Number($("learning_rate").value);
  settings.activation = $("activation").value;
  settings.regularization = $("regularization").value === "none" ? null : $("regularization").value;
  settings.regularization_rate = Number($("regularization_rate").value);
  settings.train_fraction = Number($("train_fraction").value) / 100;
  settings.noise = Number($("noise").value) / 100;
  settings.batch_size = Number($("batch_size").value);
  $("train_fraction_value").textContent = $("train_fraction").value;
  $("noise_value").textContent = $("noise").value;
  $("batch_size_value").textContent = $("batch_size").value;
}

// The server keeps few sessions: free the one being replaced (best effort; it may be gone already).
function forget(old) {
  if (old && !old.gone) api("DELETE", `/api/sessions/${old.id}`).catch(() => {});
}

// The setting an error names (the server's `field`: the id of its menu or slider) is outlined in red
// (aria-invalid), as on the demo pages, until a session starts; null: none is.
function markInvalid(id) {
  document.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
  const field = id && $(id);
  if (field && field.closest("label")) field.setAttribute("aria-invalid", "true");
}

async function newSession(keepPlaying = false) {
  const mine = ++generation;
  if (!keepPlaying) setPlaying(false);
  say("");
  creating = true;
  try {
    const created = await api("POST", "/api/sessions", settings);
    if (mine !== generation) { forget(created); return; }  // a newer change won
    if (session && session.id !== created.id) forget(session);
    session = created;
    sessionGeneration = mine;
    points = created.points;
    state = created.state;
    markInvalid(null);
    render();
  } catch (e) {
    if (mine === generation) { sayError(e.message); markInvalid(e.field); setPlaying(false); dim(true); }
  } finally {
    if (mine === generation) creating = false;
  }
}

async function step(retry = true) {
  // The current session belongs to older settings while a newer one is being created: wait.
  // If creating it failed (the server was away), try again rather than stall, and take the step
  // there: Step pressed once the server was back showed epoch 0 and trained nothing.
  if (session && sessionGeneration !== generation && !creating) {
    await newSession(true);
    if (sessionGeneration === generation) await step(retry);
    return;
  }
  if (!session || busy || sessionGeneration !== generation) return;
  busy = true;
  const mine = generation;
  let lost = null;  // why the server dropped the session
  try {
    // only the loss points after those the page has: the curves grow, the answers do not
    const next = await api("POST", `/api/sessions/${session.id}/step`,
      { epochs: 1, since: state.train_loss.length, learning_rate: settings.learning_rate });
    if (mine === generation) {
      markInvalid(null);
      next.train_loss = state.train_loss.slice(0, next.since).concat(next.train_loss);
      next.test_loss = state.test_loss.slice(0, next.since).concat(next.test_loss);
      state = next;
      render();
      if (!playing && !state.diverged) announceEpoch();  // a Step, or the step a Pause waited for
    }
  } catch (e) {
    lost = e.status === 404 && retry ? e.reason || "the server may have restarted" : null;
    if (!lost) { sayError(e.message); markInvalid(e.field); setPlaying(false); }
  } finally {
    busy = false;
  }
  // The server forgot the session (it restarted, or dropped it for newer ones): start it again
  // from the same settings and seeds, and take the step there.
  if (lost && mine === generation) {
    session.gone = true;
    await newSession(true);
    if (sessionGeneration === generation) {
      say(`The server had forgotten this session (${lost}): training started again from epoch 0.`);
      await step(false);
    }
  }
}

function setPlaying(on) {
  playing = on;
  label($("play"), on ? "❚❚" : "▶", on ? "Pause" : "Play");
  if (on) loop();
}

// Said to screen readers after a Step or a Pause: Play's epochs are not, 20 a second would drown them.
function announceEpoch() {
  announce(`Epoch ${state.epoch}: test loss ${$("test_loss").textContent}, training loss ${$("train_loss").textContent}`);
}

async function loop() {
  while (playing) {
    await step();
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

function toggleFeature(f) {
  const on = settings.features.includes(f);
  if (on && settings.features.length === 1) { sayError("at least one feature is needed"); return; }
  settings.features = on ? settings.features.filter((g) => g !== f) : [...settings.features, f];
  settings.features = opts.features.filter((g) => settings.features.includes(g));
  newSession();
}

function changeNeurons(layer, delta) {
  const n = settings.layers[layer] + delta;
  if (n < 1 || n > opts.max_neurons) { sayError(`a hidden layer has 1 to ${opts.max_neurons} neurons`); return; }
  settings.layers[layer] = n;
  newSession();
}

function datasetButtons() {
  const box = $("datasets");
  const focused = box.contains(document.activeElement);  // rebuilt: keep the keyboard focus on the choice
  box.innerHTML = "";
  const names = settings.problem === "classification" ? opts.classification_sets : opts.regression_sets;
  if (!names.includes(settings.dataset)) settings.dataset = names[0];
  for (const name of names) {
    const b = document.createElement("button");
    b.textContent = name;
    b.className = name === settings.dataset ? "selected" : "";
    b.setAttribute("aria-pressed", String(name === settings.dataset));
    b.addEventListener("click", () => { settings.dataset = name; datasetButtons(); newSession(); });
    box.appendChild(b);
    if (focused && name === settings.dataset) b.focus();
  }
}

async function main() {
  opts = await api("GET", "/api/options");
  settings = JSON.parse(JSON.stringify(opts.defaults));
  for (const a of opts.activations) $("activation").add(new Option(a, a, a === settings.activation, a === settings.activation));
  $("learning_rate").value = String(settings.learning_rate);
  $("batch_size").value = settings.batch_size;
  $("train_fraction").value = Math.round(settings.train_fraction * 100);
  readControls();
  for (const id of ["activation", "regularization", "regularization_rate", "train_fraction", "noise", "batch_size"]) {
    $(id).addEventListener("change", () => { readControls(); newSession(); });
  }
  // The next step takes the new rate (Play keeps playing), after a divergence too: the session goes on
  // from the weights restored then, at their epoch. A session is started instead where the page has
  // none for the settings on screen (its creation failed, or is on its way).
  $("learning_rate").addEventListener("change", () => {
    readControls();
    if (!session || sessionGeneration !== generation) newSession();
    else if (state.diverged) say(`Press Play or Step to go on from epoch ${state.epoch} with learning rate ${settings.learning_rate}.`);
  });
  for (const id of ["train_fraction", "noise", "batch_size"]) $(id).addEventListener("input", readControls);
  $("problem").addEventListener("change", () => { settings.problem = $("problem").value; datasetButtons(); newSession(); });
  // a new try: the last failure's message ("not answering", "diverged") no longer applies
  $("play").addEventListener("click", () => {
    say("");
    setPlaying(!playing);
    if (!playing && !busy && state) announceEpoch();  // paused between steps (else the step says it)
  });
  $("step").addEventListener("click", () => { say(""); setPlaying(false); step(); });
  $("reset").addEventListener("click", () => { settings.weights_seed = (settings.weights_seed + 1) % 4294967296; newSession(); });
  $("regenerate").addEventListener("click", () => { settings.seed = (settings.seed + 1) % 4294967296; newSession(); });
  $("add-layer").addEventListener("click", () => {
    if (settings.layers.length < opts.max_layers) { settings.layers.push(2); newSession(); }
    else sayError(`at most ${opts.max_layers} hidden layers`);
  });
  $("remove-layer").addEventListener("click", () => {
    if (settings.layers.length > 0) { settings.layers.pop(); newSession(); }
    else sayError("no hidden layer is left to remove");
  });
  for (const id of ["show_test", "discretize"]) $(id).addEventListener("change", () => state && drawSurface());
  $("weights-box").addEventListener("toggle", () => state && $("weights-box").open && weightTables());
  // The weight lines are placed from where the squares are: a window moved to the projector, made
  // full-screen or turned narrow moves the squares, so draw the diagram again (once a frame at most),
  // and every canvas at its new size on screen (browser zoom, or a screen of another pixel density,
  // changes devicePixelRatio: onResize).
  onResize(() => {
    if (!state || sessionGeneration !== generation) return;  // not while settings change
    drawSurface(); drawLoss(); drawNetwork();
  });
  // A reload or a closed tab left its session on the server for the hour's idle limit, in one of its
  // 32 places: a few dozen reloads pushed out another tab's trained session. Free it; a page the
  // browser keeps for Back (persisted) keeps its session.
  window.addEventListener("pagehide", (e) => {
    if (!e.persisted && session) fetch(`/api/sessions/${session.id}`, { method: "DELETE", keepalive: true }).catch(() => {});
  });
  datasetButtons();
  await newSession();
}

main().catch((e) => sayError(e.message));
