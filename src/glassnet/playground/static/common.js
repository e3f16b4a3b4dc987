// What every page's script shares: element lookup, the status line, and JSON calls to the server.
"use strict";

const $ = (id) => document.getElementById(id);

// The status line (#message) has two live regions: #status (role="status", polite) for notes and
// progress, #alert (role="alert": a screen reader says it at once) for errors. say() writes a note;
// `busy`: an answer is on its way (grey). sayError() writes an error. Each empties the other region.
function say(text, busy = false) { show(text, busy ? "busy" : "note"); }
function sayError(text) { show(text, "error"); }
function show(text, kind) {
  $("status").textContent = kind === "error" ? "" : text || "";
  $("alert").textContent = kind === "error" ? text || "" : "";
  $("message").classList.toggle("busy", kind === "busy");
}

// A result for screen readers only (#announce, a polite live region in every page): what a Step, a
// Pause or a finished run shows, in one sentence. Not called for each frame of Play, which would
// bury the reader in numbers.
function announce(text) { $("announce").textContent = text; }

// A button's text after a glyph that screen readers skip ("▶ Play" is read "Play").
function label(button, glyph, text) {
  const mark = document.createElement("span");
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = glyph;
  button.replaceChildren(mark, ` ${text}`);
}

// A canvas's context for drawing in the canvas's own units (its width and height as the page
// writes them: 0..400 × 0..400 for a 400 × 400 canvas) at the screen's full resolution: the backing
// store is sized to the canvas's size on screen × devicePixelRatio (a HiDPI screen, browser zoom,
// the projector's 1.5× CSS scale) and the context scaled to match, so nothing drawn blurs. Call it
// before each drawing (the size on screen may have changed; the canvas must be in the page): it
// clears the canvas and returns { ctx, w, h }, w × h the units.
function sharp(canvas) {
  if (!canvas.dataset.width) {  // the units, kept before the backing store is resized
    canvas.dataset.width = canvas.width;
    canvas.dataset.height = canvas.height;
    canvas.style.aspectRatio = `${canvas.width} / ${canvas.height}`;  // CSS height: auto follows the units
  }
  const w = Number(canvas.dataset.width), h = Number(canvas.dataset.height);
  const shown = parseFloat(getComputedStyle(canvas).width) || w;  // CSS pixels, without the border
  const scale = (shown / w) * (window.devicePixelRatio || 1);
  const bw = Math.max(1, Math.round(w * scale)), bh = Math.max(1, Math.round(h * scale));
  if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(bw / w, 0, 0, bh / h, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

// Calls `draw` again (once a frame at most) when the window's size changes, browser zoom (a new
// devicePixelRatio) included, or when only devicePixelRatio does (the window moved to a screen of
// another pixel density: no resize event): the canvases are drawn again at their new size on screen.
function onResize(draw) {
  let pending = false;
  const later = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  };
  window.addEventListener("resize", later);
  onPixelRatioChange(later);
}

// Calls `changed` at each change of devicePixelRatio, as MDN recommends: a media query that matches
// the present ratio stops matching when it changes; a new one for the new ratio is then armed.
function onPixelRatioChange(changed) {
  const arm = () => matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`)
    .addEventListener("change", () => { arm(); changed(); }, { once: true });
  arm();
}

// A JSON request; an answer that is not OK throws its "error" message, with its "field" (the
// id of the setting at fault, when the server names one) as the error's `field`.
async function api(method, path, body) {
  const init = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {  // the browser's own words ("Failed to fetch") do not say what happened
    throw new Error("The glassnet server is not answering: is `glassnet playground` still running?");
  }
  const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) {
    throw Object.assign(new Error(data.error || response.statusText), { status: response.status, field: data.field, reason: data.reason });
  }
  return data;
}

// Calls of the returned function supersede one another: only the latest request's reply
// (or error) reaches the page. A slow earlier reply that arrives later is dropped, so the
// page never shows a result for settings that are no longer on screen. `body` may be a
// function that reads the settings: an error it throws (an empty field) supersedes too, so
// the reply to the settings before it cannot land afterwards and hide the error.
// An answer slower than 0.3 s (the server's first one imports the library: seconds) says
// "Computing…" until it comes; the page's own say() or failed() then replaces that.
function latest() {
  let generation = 0, slow = null;
  return async (method, path, body) => {
    const mine = ++generation;
    clearTimeout(slow);
    slow = setTimeout(() => say("Computing…", true), 300);
    try {
      const data = await api(method, path, typeof body === "function" ? body() : body);
      if (mine === generation) { clearTimeout(slow); return data; }
    } catch (e) {
      if (mine === generation) { clearTimeout(slow); throw e; }
    }
    return new Promise(() => {});  // superseded: never settles
  };
}
